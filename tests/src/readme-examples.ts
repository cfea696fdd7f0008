import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const repositoryRoot = join(import.meta.dirname, '..', '..');

/** One ```ts block of a README, where it is, and whether it is marked as an unchecked fragment. */
export interface ReadmeExample {
  /** The README, relative to the repository root (`packages/core/README.md`). */
  readme: string;
  /** The line of the README the block's first line of code is on (1-based). */
  line: number;
  code: string;
  /** Marked ```` ```ts unchecked ````: a deliberate fragment the checks skip. */
  unchecked: boolean;
}

/** The root README, every package README and the example app's. */
export function readmePaths(): string[] {
  const readmesIn = (folder: string): string[] =>
    readdirSync(join(repositoryRoot, folder))
      .map((directory) => join(repositoryRoot, folder, directory, 'README.md'))
      .filter((path) => existsSync(path))
      .sort();
  const paths = [join(repositoryRoot, 'README.md'), ...readmesIn('packages'), ...readmesIn('apps')];
  return paths.map((path) => relative(repositoryRoot, path));
}

/** Every ```ts and ```typescript block of one README (info string `ts unchecked` included, flagged). */
export function readmeExamples(readme: string): ReadmeExample[] {
  const markdown = readFileSync(join(repositoryRoot, readme), 'utf8');
  const examples: ReadmeExample[] = [];
  const fence = /^```(ts|typescript)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const [, , info = '', code = ''] = match;
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    examples.push({ readme, line, code, unchecked: info.trim().split(/\s+/).includes('unchecked') });
  }
  return examples;
}

/**
 * The names of what the code is assumed to have at hand (`source`, `inject`, `logger`): each
 * README's examples use a few values they do not create, declared here with their real types so
 * that the examples are checked as strictly as user code. A name an example uses that is neither
 * declared by the example nor listed here is a "Cannot find name" error.
 */
export type ExampleContext = Readonly<Record<string, string>>;

/** What the type checker says of one example, as `README.md:line: message` strings. */
export interface ExampleDiagnostics {
  example: ReadmeExample;
  errors: string[];
  /** The context names the example's code refers to (a parameter of the same name does not count). */
  contextUsed: string[];
}

/** The context names an example's code refers to, by symbol: its ambient declarations after `export {}`. */
function contextReferences(source: ts.SourceFile, checker: ts.TypeChecker): string[] {
  const ambient = new Map<ts.Symbol, string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const symbol = checker.getSymbolAtLocation(declaration.name);
      if (symbol && ts.isIdentifier(declaration.name)) ambient.set(symbol, declaration.name.text);
    }
  }
  const referenced = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      const name = symbol && ambient.get(symbol);
      if (name !== undefined && !ts.isVariableDeclaration(node.parent)) referenced.add(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...referenced];
}

/** The names a block declares at its top level (imports, variables, functions, classes, types). */
function declaredNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/**
 * The block as a module: its code line for line, then (after its last line, so that line numbers
 * stay the README's) an ambient declaration for each context name it uses but does not declare.
 */
function exampleModule(example: ReadmeExample, context: ExampleContext): string {
  const source = ts.createSourceFile('example.ts', example.code, ts.ScriptTarget.ES2023, true);
  const declared = declaredNames(source);
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  const ambient = Object.entries(context)
    .filter(([name]) => used.has(name) && !declared.has(name))
    .map(([name, type]) => `declare var ${name}: ${type};`);
  return `${example.code}export {};\n${ambient.join('\n')}\n`;
}

/**
 * Type-checks every example with the `tests` package's compiler settings (strict,
 * `noUncheckedIndexedAccess`, the `warden-source` condition, so `@warden/…` is the workspace's
 * source), in one program. Each example is a module in a folder of its own beside this file (with
 * the reader's modules it imports), so that it resolves the packages the way a user's code
 * resolves them from its own `node_modules`.
 */
export function typecheckExamples(
  examples: ReadmeExample[],
  contextOf: (readme: string) => ExampleContext,
  modulesOf: (readme: string) => Readonly<Record<string, string>> = () => ({}),
): ExampleDiagnostics[] {
  const configPath = join(repositoryRoot, 'tests', 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const files = new Map<string, ReadmeExample>();
  const texts = new Map<string, string>();
  examples.forEach((example, index) => {
    const directory = join(repositoryRoot, 'tests', 'src', `readme-example-${index}`);
    const file = join(directory, 'example.ts');
    files.set(file, example);
    texts.set(file, exampleModule(example, contextOf(example.readme)));
    for (const [specifier, text] of Object.entries(modulesOf(example.readme))) {
      texts.set(join(directory, specifier.replace(/\.js$/, '.ts')), text);
    }
  });
  const host = ts.createCompilerHost(parsed.options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  const directories = new Set([...texts.keys()].map((file) => dirname(file)));
  host.fileExists = (file) => texts.has(file) || fileExists.call(host, file);
  host.directoryExists = (directory) => directories.has(directory) || (directoryExists?.call(host, directory) ?? true);
  host.readFile = (file) => texts.get(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, languageVersion, ...rest) => {
    const text = texts.get(file);
    return text === undefined
      ? getSourceFile.call(host, file, languageVersion, ...rest)
      : ts.createSourceFile(file, text, languageVersion, true);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options: parsed.options, host });
  const checker = program.getTypeChecker();
  return [...files].map(([file, example]) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`no source file for ${example.readme}:${example.line}`);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    const errors = diagnostics.map((diagnostic) => {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      return `${example.readme}:${example.line + line}: TS${diagnostic.code} ${message}`;
    });
    return { example, errors, contextUsed: contextReferences(source, checker) };
  });
}

/** A README example that runs without a service, with the values it assumes (as code). */
export interface RunnableExample {
  readme: string;
  /** The example's first line, which tells it from the README's other blocks. */
  firstLine: string;
  /** Statements that define the values the example assumes (`const securityTeam = new Set([…])`). */
  prelude?: string;
  /** Statements run after the example, to check what it did (its shown results are checked anyway). */
  postlude?: string;
}

/**
 * A line that shows what a call returns: `await ks.isActive(); // false`, or with an arrow and a
 * remark: `algebra.isAllowed(…); // → true, the boolean fast path`.
 */
const SHOWN_RESULT = /^(\s*)((?:await )?[\w.]+\(.*\));\s*\/\/\s*(?:→\s*)?('[^']*'|true|false|-?\d+)(?:[,:;]\s.*)?\s*$/;

/**
 * The example as a module to run: the prelude, then the example, in which every line that shows
 * what a call returns (`await ks.isActive(); // false`) checks that it does.
 */
export function runnableModule(example: ReadmeExample, prelude = '', postlude = ''): string {
  const lines = example.code.split('\n').map((line, index) => {
    const shown = SHOWN_RESULT.exec(line);
    if (!shown) return line;
    const [, indent, call, expected] = shown;
    const where = JSON.stringify(`${example.readme}:${example.line + index}`);
    return `${indent}__readmeShows(${call}, ${expected}, ${where});`;
  });
  const check = [
    'function __readmeShows(actual: unknown, expected: unknown, where: string): void {',
    "  if (actual !== expected) throw new Error(where + ': shows ' + JSON.stringify(expected) + ', returns ' + JSON.stringify(actual));",
    '}',
  ].join('\n');
  return `${prelude}\n${check}\n${lines.join('\n')}\n${postlude}\nexport {};\n`;
}
