import { checkSecretName, InvalidInputError } from '@warden/core';

const SECRET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 128;

/**
 * Variables that steer programs rather than hold secrets (search paths, shells, loaders, runtimes,
 * compilers, build tools, pagers and editors, proxies, TLS trust). This is the store's second
 * line: the first is that it writes only under its own prefix or to the names it was given (see
 * `createEnvSecretStore`), because no list of the world's programs is ever complete.
 */
const PROTECTED_VARIABLES: ReadonlySet<string> = new Set(
  [
    // Shells, users and the places programs look for things
    'PATH HOME USER LOGNAME SHELL PWD OLDPWD TMPDIR TMP TEMP IFS ENV BASH_ENV CDPATH PS1 PS2 PS4',
    'PROMPT_COMMAND SHELLOPTS BASHOPTS GLOBIGNORE HISTFILE INPUTRC ZDOTDIR MAIL MAILPATH TERMINFO',
    'TERMINFO_DIRS MANPATH INFOPATH',
    // Editors, pagers, browsers and askpass helpers: programs other programs start
    'EDITOR VISUAL PAGER MANPAGER MANOPT BROWSER FCEDIT SUDO_ASKPASS SUDO_EDITOR SVN_EDITOR LESS',
    'LESSOPEN LESSCLOSE LESSKEY LESSSECURE VIMINIT EXINIT MYVIMRC',
    // The C library, locales and name resolution
    'GCONV_PATH LOCPATH NLSPATH HOSTALIASES RESOLV_HOST_CONF LOCALDOMAIN GLIBC_TUNABLES',
    // Compilers and build tools
    'CC CXX CPP LD AR AS NM RANLIB STRIP OBJCOPY CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LIBS MAKE MAKEFLAGS',
    'MFLAGS GNUMAKEFLAGS MAKEFILES PKG_CONFIG PKG_CONFIG_PATH ACLOCAL_PATH RUSTC RUSTC_WRAPPER',
    'RUSTC_WORKSPACE_WRAPPER RUSTDOC RUSTFLAGS RUSTDOCFLAGS GOFLAGS GOPROXY GOPATH GOROOT GOBIN GOENV',
    'GOTOOLCHAIN GOCACHE GOMODCACHE GOSUMDB GONOSUMDB GONOPROXY GOPRIVATE GOINSECURE GOEXPERIMENT',
    'GODEBUG GOOS GOARCH GCCGO MAVEN_OPTS GRADLE_OPTS GRADLE_USER_HOME ANT_OPTS SBT_OPTS CLASSPATH',
    'TAR_OPTIONS GZIP XZ_OPT ZIPOPT UNZIP',
    // Interpreters and runtimes
    'JDK_JAVA_OPTIONS PHPRC PHP_INI_SCAN_DIR R_PROFILE R_PROFILE_USER R_ENVIRON R_ENVIRON_USER',
    'TCLLIBPATH GUILE_LOAD_PATH EMACSLOADPATH GEM_HOME GEM_PATH PSQLRC PRYRC HELM_PLUGINS',
    // Pagers run as a command straight from the value (aws, bat, delta)
    'AWS_PAGER BAT_PAGER DELTA_PAGER',
    // Remote shells, agents, TLS trust and proxies
    'CVS_RSH RSYNC_RSH RSYNC_CONNECT_PROG GNUPGHOME GPG_AGENT_INFO SSLKEYLOGFILE REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE CURL_HOME WGETRC NETRC OPENSSL_CONF OPENSSL_ENGINES OPENSSL_MODULES HTTP_PROXY',
    'HTTPS_PROXY FTP_PROXY ALL_PROXY NO_PROXY KUBECONFIG AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE',
    'DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS HGRCPATH AWS_CA_BUNDLE PGSSLROOTCERT KRB5_CONFIG',
    'KRB5_KDC_PROFILE',
    // More prompts a shell expands (`$(…)` runs), and where shells autoload functions from
    'PS0 PS3 FPATH',
    // Locales and message catalogs: a translated format string reaches printf
    'LANG LANGUAGE TEXTDOMAIN TEXTDOMAINDIR',
    // Compiler drivers: where gcc finds its own programs, headers and libraries; autoconf's hooks
    'COMPILER_PATH GCC_EXEC_PREFIX LIBRARY_PATH CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH OBJC_INCLUDE_PATH',
    'CONFIG_SITE CONFIG_SHELL M4 AUTOCONF AUTOHEADER AUTOM4TE AUTOMAKE ACLOCAL LIBTOOL YACC LEX FC F77 OBJC',
    'INSTALL',
    // Libraries that load plugins or drivers (shared objects) from a path
    'GDK_PIXBUF_MODULE_FILE GDK_PIXBUF_MODULEDIR SASL_PATH SASL_CONF_PATH LIBGL_DRIVERS_PATH',
    'LIBVA_DRIVERS_PATH VDPAU_DRIVER_PATH GBM_BACKENDS_PATH GDAL_DRIVER_PATH ODBCSYSINI ODBCINI ODBCINSTINI',
    'MAGIC TEXINPUTS BIBINPUTS BSTINPUTS CAML_LD_LIBRARY_PATH OCAMLPATH OCAMLFIND_CONF',
    // Runtimes' load paths and start-up files
    'R_LIBS R_LIBS_USER R_LIBS_SITE R_HOME IRBRC GEMRC GUILE_LOAD_COMPILED_PATH VIM VIMRUNTIME',
    'ELIXIR_ERL_OPTIONS',
    // More programs that start an editor, pager, browser or remote shell
    'KUBE_EDITOR GH_EDITOR GH_BROWSER GH_PAGER SVN_SSH HGEDITOR CVSEDITOR P4EDITOR P4DIFF P4MERGE MAILCAP',
    'MAILCAPS PSQL_EDITOR PSQL_PAGER SCREENRC SYSSCREENRC CLOUDSDK_PYTHON CLOUDSDK_CONFIG',
    'TF_CLI_CONFIG_FILE TF_PLUGIN_CACHE_DIR ANSIBLE_CONFIG ANSIBLE_LIBRARY ANSIBLE_MODULE_UTILS',
    'ANSIBLE_ACTION_PLUGINS ANSIBLE_CALLBACK_PLUGINS ANSIBLE_CONNECTION_PLUGINS ANSIBLE_FILTER_PLUGINS',
    'ANSIBLE_LOOKUP_PLUGINS ANSIBLE_STRATEGY_PLUGINS ANSIBLE_VARS_PLUGINS ANSIBLE_INVENTORY_PLUGINS',
    'ANSIBLE_COLLECTIONS_PATH ANSIBLE_ROLES_PATH',
    // A terminal description in the value, and input methods that load a module
    'TERMCAP XMODIFIERS',
    // Windows: the shell Node and npm start, what runs as a program, PowerShell's module path,
    // where system programs live, and the home and configuration folders git, ssh and npm read
    'COMSPEC PATHEXT PSMODULEPATH SYSTEMROOT WINDIR USERPROFILE HOMEDRIVE HOMEPATH APPDATA LOCALAPPDATA',
    'PROGRAMDATA',
  ]
    .join(' ')
    .split(' '),
);

/** Whole namespaces read by one program family (git reads every `GIT_*`, cargo every `CARGO_*`…). */
const PROTECTED_PREFIXES: readonly string[] = (
  'LD_ DYLD_ MALLOC_ GIT_ SSH_ SSL_ NODE_ NPM_CONFIG_ YARN_ PNPM_ COREPACK_ BUN_ DENO_ PYTHON PIP_ UV_ ' +
  'PERL RUBY BUNDLE_ JAVA_ _JAVA_ CARGO_ RUSTUP_ DOTNET_ CORECLR_ COMPLUS_ XDG_ DOCKER_ CMAKE_ MSYS CYGWIN ' +
  // Shell internals (`BASH_LOADABLES_PATH` loads builtins), locale categories, compiler caches and
  // wrappers, plugin paths of toolkits and media libraries, TeX's configuration (`TEXMFCNF` can turn
  // on `shell_escape`), runtimes' flags and load paths (Lua runs `LUA_INIT_5_4` as code), and
  // version managers' hooks.
  'BASH_ LC_ CCACHE_ DISTCC_ SCCACHE_ CGO_ QT_ GTK_ GST_ GIO_ VK_ TEXMF ERL_ TS_NODE_ JULIA_ LUA_ ELECTRON_ ' +
  'PUPPETEER_ PLAYWRIGHT_ SYSTEMD_ SUDO_ BZR_ TF_CLI_ WINE NIX_ PYENV_ RBENV_ NODENV_ NVM_ ASDF_ MISE_ ' +
  // Sanitizer runtimes (`external_symbolizer_path` names a program they run), .NET profilers and
  // Mono's flags and load paths, and OpenSSL's configuration and engines.
  'ASAN_ UBSAN_ TSAN_ MSAN_ LSAN_ HWASAN_ COR_ MONO_ OPENSSL_'
).split(' ');

/** Converts a kebab-case secret name to its UPPER_SNAKE_CASE variable name: `github-token` → `GITHUB_TOKEN`. */
function toEnvironmentVariableName(name: string, prefix = ''): string {
  return `${prefix}${name.toUpperCase().replaceAll('-', '_')}`;
}

/** True when `variable` steers programs and may not be read or written as a secret. */
export function isProtectedVariable(variable: string): boolean {
  return PROTECTED_VARIABLES.has(variable) || PROTECTED_PREFIXES.some((prefix) => variable.startsWith(prefix));
}

/**
 * True when `prefix` overlaps a protected variable or namespace (it starts one, as `NODE_` starts
 * `NODE_OPTIONS` or `GI` starts `GIT_`, or lies inside one): such a prefix is no application's own.
 */
export function overlapsProtectedNamespace(prefix: string): boolean {
  if (prefix === '') return true;
  if (isProtectedVariable(prefix)) return true;
  if (PROTECTED_PREFIXES.some((protectedPrefix) => protectedPrefix.startsWith(prefix))) return true;
  for (const variable of PROTECTED_VARIABLES) if (variable.startsWith(prefix)) return true;
  return false;
}

/** True for a kebab-case secret name of at most 128 characters. */
function isSecretName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && SECRET_NAME.test(name);
}

/**
 * Throws `INVALID_INPUT` unless `name` is a kebab-case secret name. The name is not quoted in
 * the error: swapped arguments would put a secret value there.
 */
export function assertSecretName(name: unknown): asserts name is string {
  if (!isSecretName(name)) {
    throw new InvalidInputError({
      message:
        'Secret name must be kebab-case (like "github-token"): lower-case letters, digits and single dashes, at most 128 characters',
      issues: [{ path: 'name', message: 'must be kebab-case' }],
    });
  }
}

/** The variable a secret name maps onto, or `INVALID_INPUT` for a malformed or protected name. */
export function variableForSecret(name: unknown, prefix: string): string {
  assertSecretName(name);
  // The rule every SecretStore shares, on the name itself: a prefix never makes `path` acceptable.
  checkSecretName(name);
  const variable = toEnvironmentVariableName(name, prefix);
  if (isProtectedVariable(variable)) {
    // Neither the name nor its variable is quoted: a value passed where a name belongs would be.
    throw new InvalidInputError({
      message: 'Secret name maps onto an environment variable that steers programs, which is protected',
      issues: [{ path: 'name', message: 'maps onto a protected environment variable' }],
    });
  }
  return variable;
}

/** The secret name a variable stands for under `prefix`, or `undefined` when it is not one. */
export function secretNameForVariable(variable: string, prefix: string): string | undefined {
  if (!variable.startsWith(prefix) || isProtectedVariable(variable)) return undefined;
  const name = variable.slice(prefix.length).toLowerCase().replaceAll('_', '-');
  return isSecretName(name) && isSharedSecretName(name) && toEnvironmentVariableName(name, prefix) === variable
    ? name
    : undefined;
}

/** True when every SecretStore accepts `name` (core's shared rule). */
function isSharedSecretName(name: string): boolean {
  try {
    checkSecretName(name);
    return true;
  } catch {
    return false;
  }
}
