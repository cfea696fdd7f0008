/**
 * The supervisor: a POSIX `sh` script that runs as the container's main process (under the
 * init) and turns framed requests on its attached stdin into commands, so that running a command
 * costs a fork inside the container instead of a runtime exec.
 *
 * The supervisor runs as root with only `SETUID`, `SETGID` and `KILL` (no-new-privileges, every
 * other capability dropped); each command runs under the sandbox user, started through
 * `start-stop-daemon -c uid:gid` in a session of its own with only fds 0-2. So the sandbox user
 * never reaches the supervisor's directory (`/run/warden`, root, mode 711, entries 700), its
 * pipes, its stdout (`/proc/<pid>/fd` of a root process), or its processes (signals, ptrace).
 *
 * Protocol (version 3), one request per line from the host:
 *
 * - `R <id> <lane> <capBytes> <stdinBytes> <cwd> <envCount> <env>… <arg>…` then `stdinBytes`
 *   raw bytes. `cwd`, each `NAME=value` env entry and each argv element are encoded by
 *   `encodeField` (`-` for empty, `.word` for a plain word, else base64). The script decodes each
 *   into a positional parameter and runs `"$@"`: no `eval`, no host-built shell string. A string
 *   command arrives as the argv `/bin/sh -c <string>`.
 * - `B <id> <lane> <capBytes> <stdinBytes> <specBytes>`: the same, with the fields after
 *   `stdinBytes` as a blob of `specBytes` bytes (a large request), then the stdin bytes.
 * - `K <id>` kills the request's process group (timeout or abort).
 *
 * Lane `0` is the warm worker: one long-lived process whose output readers are already waiting
 * on its pipes, so a command costs one fork and the reply. The host sends lane 0 only while no
 * other request of its own is in that lane; lane `1` starts a fresh worker for the one request
 * (concurrent commands).
 *
 * When a command ends (any way), its worker ends every process outside the supervisor's session
 * and the sessions of commands still running: whatever a command left behind (`setsid`, double
 * forks) never outlives it, so nothing of an earlier command is alive when a later one runs.
 *
 * Replies on stdout: `READY 3 <command uid> <tmp mode> <command groups>` (groups comma-separated,
 * `-` for none; or `FALLBACK <reason> <uid> <tmp mode>`)
 * once, then per request `D <id> <exit code> <oom 0|1>` followed by one base64 line of stdout and
 * one of stderr, each cut at `capBytes` inside the container. A worker writes its reply only
 * while it holds the one token byte of the supervisor's token pipe, so replies of concurrent
 * commands never interleave; only root processes of the supervisor hold that pipe or stdout.
 *
 * Only regular builtins carry redirections that may fail: a failed redirection on a special
 * builtin (`:`, `exec`, `set`) would exit the POSIX shell and with it the sandbox.
 *
 * @module
 */

/** The tmpfs where the supervisor keeps each request's pipes, captured output and stdin (root only). */
export const SUPERVISOR_DIRECTORY = '/run/warden';

/**
 * Where Engine-API exec commands record their pids: mode 1733 (the sandbox user writes, cannot
 * list), a tmpfs of its own inside the supervisor's directory (see the container spec).
 */
export const SUPERVISOR_PID_DIRECTORY: string = `${SUPERVISOR_DIRECTORY}/x`;

/**
 * The `PATH` of every process that runs as root inside a sandbox (the supervisor, its workers,
 * the cleanup of Engine-API exec): system directories only, set as the container's own `PATH`
 * (see the container spec). The image's `PATH` may name a directory the sandbox user can write
 * (a `writablePaths` mount is bound at its host path), and a `head`, `rm` or `start-stop-daemon`
 * planted there would run as root. Commands get the image's `PATH` back with their request, and
 * the caller's `env` on top.
 */
export const ROOT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Shell lines that put root on `ROOT_PATH` whatever the environment holds, keeping the one it
 * started with in `$image_path` (the container's, itself `ROOT_PATH`: commands get theirs with
 * each request).
 */
export const ROOT_PATH_SETUP: string = `image_path=\${PATH-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
PATH=${ROOT_PATH}
export PATH`;

/** Protocol version announced in the `READY` line. */
const SUPERVISOR_PROTOCOL_VERSION = '3';

/**
 * `signal_all STOP` (or `CONT`) sends the signal to every process of the sandbox user but the
 * sender, with `kill -1`: one walk of the kernel's process list that no fork escapes (a fork
 * racing it fails and is retried by a process that is then stopped). As the sandbox user, through
 * the supervisor's `start-stop-daemon` (root's own processes are never stopped); where there is
 * none (Engine-API exec, whose cleanup runs as root with no supervisor to keep running), as root,
 * which stops every process but pid 1 and the caller until `CONT`. In a session of its own
 * (`setsid`, as every command): the kernel lets a process send `SIGCONT` to any process of its
 * session whatever its user, so from the supervisor's session `kill -CONT -1` reached the
 * supervisor and its workers too, and under gVisor a sandbox then stopped now and again (the
 * attack test of commands ending as their timeout fires, four at a time, lost its sandbox).
 */
const SIGNAL_ALL_FUNCTION = `signal_all() {
  if [ -n "\${ssd_tool:-}" ] && [ -n "\${user:-}" ]; then
    "$setsid_tool" "$ssd_tool" -S -p "$w/.none" -c "$user" -x /bin/sh -- -c "kill -$1 -1; exit 0" </dev/null >/dev/null 2>&1
  else
    kill -"$1" -1 2>/dev/null; true
  fi
}`;

/**
 * Ends every process outside the protected sessions (pid 1's, the supervisor's, the caller's own)
 * and the sessions marked live (a non-empty `$w/live/<sid>`, or listed in `$extra_live`). Only
 * the head of `/proc/<pid>/stat` is read where the shell's `read` takes `-n` (the whole line under
 * a POSIX-only shell such as dash; the session is the sixth field; `comm` is at most 15
 * bytes); a head cut short (a `comm` with a newline ends the line within 30 bytes) fails closed: the process is killed.
 * Pids listed in `$known` (the caller's own children, not yet reaped, so no other process can
 * hold their pid) are skipped unread: reading `stat` a byte at a time is most of a sweep's cost.
 * Each process found is killed with its whole process group, and passes go on until one finds
 * nothing (a process gone before it was read counts as found): a process that forks itself away
 * under a new pid outran kills by pid and a pass that ended when they missed. A pass that finds
 * anything first stops every process of the sandbox user at once ({@link SIGNAL_ALL_FUNCTION}),
 * so that the next passes end processes that can no longer fork: one that starts each next
 * generation in a session of its own left every group the sweep read before the kill reached it.
 * The processes of the protected sessions (other commands still running) are continued after.
 */
export const SWEEP_FUNCTION: string = `${SIGNAL_ALL_FUNCTION}
sweep() {
  pass=0 frozen=
  while [ "$pass" -lt 20 ]; do
    found=
    for d in /proc/[0-9]*; do
      p=\${d#/proc/}
      case " 1 $self_pid \${known:-} " in *" $p "*) continue ;; esac
      st=
      read -r $partial st <"$d/stat" 2>/dev/null
      # Gone before it could be read: it may have forked first, so look again.
      [ -n "$st" ] || { found=1; continue; }
      rest=\${st##*) }
      set -f; set -- $rest; set +f
      if [ "\${#st}" -ge 64 ] && [ "$#" -ge 5 ]; then
        case " $protected $extra_live " in *" $4 "*) continue ;; esac
        [ -s "$w/live/$4" ] && continue
        # Its whole process group (inside its session, never a protected one) at once: the
        # kernel lets no fork escape a group kill, so a process that forks itself away under a
        # new pid again and again cannot outrun it as it outruns a kill by pid. Never group 0
        # (the sweeper's own), 1, or a protected session's: under gVisor and load, a stat read
        # in passing led this kill to the supervisor's group and stopped the whole sandbox.
        case " 0 1 $protected $extra_live " in *" $3 "*) ;; *) kill -KILL -"$3" 2>/dev/null ;; esac
      fi
      kill -KILL "$p" 2>/dev/null
      found=1
    done
    [ -n "$found" ] || break
    # Retried at every pass: a fork bomb may have taken the pids its process needs.
    [ -n "$frozen" ] || { signal_all STOP && frozen=1; }
    pass=$((pass + 1))
  done
  # Only the protected sessions' processes are left stopped: they go on.
  [ -z "$frozen" ] || signal_all CONT || signal_all CONT
}
sessionof() {
  st=; read -r st <"/proc/$1/stat" 2>/dev/null
  rest=\${st##*) }; set -f; set -- $rest; set +f; sid=\${4:-}
}
# Sets $partial to the read option for a bounded head, or to nothing for a shell with only POSIX
# read (dash, Debian's /bin/sh), which then reads the whole line: the same fields, more slowly.
# Without the probe, dash refused "-n", every stat read came back empty and nothing was swept.
probe_read() {
  partial=; IFS= read -r -n 2 partial </proc/self/stat 2>/dev/null
  if [ "\${#partial}" = 2 ]; then partial='-n 96'; else partial=; fi
}
protect() {
  probe_read
  self_pid=$$ extra_live=
  sessionof 1; protected=$sid
  sessionof "$$"; protected="$protected $sid"
}`;

/**
 * Shell lines the sandbox user's own process runs before anything of a command: its supplementary
 * groups (`Groups:` of `/proc/self/status`) must each be `$warden_gid`, else it exits 126 without
 * running the command. The privilege drop (`start-stop-daemon`, like runc) calls `initgroups`,
 * which reads the image's `/etc/group` — a list naming the sandbox user in `root`, `disk` or
 * `docker` would hand each command those groups. Checked in the process itself, after the drop,
 * so a group database that changes while the sandbox runs (an `/etc/group` linked into `/tmp`)
 * cannot slip past. No single quote: it is embedded in single-quoted shell text.
 */
export const GROUP_CHECK: string =
  `warden_g=?; while IFS= read -r warden_l; do case $warden_l in Groups:*) warden_g=\${warden_l#Groups:}; break ;; esac; done </proc/self/status; ` +
  'set -f; for warden_x in $warden_g; do [ "$warden_x" = "$warden_gid" ] || { set +f; printf "warden: refused: the sandbox user has supplementary group %s (see the image /etc/group)\\n" "$warden_x" >&2; exit 126; }; done; set +f; ' +
  'unset warden_g warden_l warden_x warden_gid; ';

/**
 * Shell text that exports the `NAME=value` arguments up to a `--` and drops them with it, leaving
 * the argv. No variable of its own: any name it used (a count `n`) could be one of the request's,
 * whose export overwrote it and turned the entries after it into the argv. An entry always holds
 * a `=`, so it is never the `--`.
 */
const EXPORT_ENV_ARGUMENTS = 'while [ "$1" != -- ]; do export "$1"; shift; done; shift; ';

// Runs as the sandbox user: checks its groups, changes directory, exports the request's
// variables, runs the argv. `exec --` so a program whose name starts with "-" is a program,
// never an option. The variables are exported last, after the group check unset its own.
const COMMAND_RUNNER =
  `warden_gid=$1; shift; ${GROUP_CHECK}` +
  'if [ -n "$1" ] && ! cd "$1" 2>/dev/null; then printf "cannot change directory to %s\\n" "$1" >&2; exit 126; fi; ' +
  `shift; ${EXPORT_ENV_ARGUMENTS}umask 022; exec -- "$@"`;

const SCRIPT = `w=${SUPERVISOR_DIRECTORY}
${ROOT_PATH_SETUP}
umask 077
decode() {
  case $1 in
    -) v= ;;
    .*) v=\${1#.} ;;
    *) v=$(printf %s "$1" | base64 -d; echo x); v=\${v%x} ;;
  esac
}
readblob() {
  full=$(($1 / 65536)); rest=$(($1 % 65536))
  true >"$2"
  if [ "$full" -gt 0 ]; then dd bs=65536 count="$full" iflag=fullblock 2>/dev/null >>"$2"; fi
  if [ "$rest" -gt 0 ]; then dd bs="$rest" count=1 iflag=fullblock 2>/dev/null >>"$2"; fi
}
oomcount() {
  oom_total=0
  for counters in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do
    [ -r "$counters" ] || continue
    while read -r k n; do [ "$k" = oom_kill ] && oom_total=$n; done <"$counters"
  done
}
killgroup() {
  [ -s "$w/live/$1" ] || return 0
  kill -KILL -"$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
}
${SWEEP_FUNCTION}
# Sets $v to the full path of tool $1 in root's PATH directories.
systool() {
  v=
  for d in ${ROOT_PATH.split(':').join(' ')}; do
    if [ -x "$d/$1" ]; then v=$d/$1; return 0; fi
  done
  return 1
}
asuser() {
  start-stop-daemon -S -p "$w/.none" -c "$user" -x /bin/sh -- "$@"
}
# One output stream's reader pair, started before its command exists: the worker first writes
# the cap on a line of its own, then the command's bytes follow. The first process keeps at most
# the cap and past it drains, so the command never writes into a closed pipe; the second
# base64-encodes what was kept into the lane's file as it arrives.
readers() {
  known=$worker
  for stream in o e; do
    { IFS= read -r cap || exit 0; head -c "$cap"; if read -r -n 1 _; then exec cat >/dev/null; fi; } \\
      >"$1.$stream.b" <"$1.$stream" 2>/dev/null 3>&- 4>&- 5>&- &
    known="$known $!"
    base64 -w 0 <"$1.$stream.b" >"$1.$stream.64" 2>/dev/null 3>&- 4>&- 5>&- &
    known="$known $!"
  done
}
# Sets $worker to this process's pid ($$ is the supervisor's in a subshell).
whoami_worker() {
  read -r -n 16 st </proc/self/stat; worker=\${st%% *}
}
# Runs one request: $fifos names the pipes whose readers are waiting.
run() {
  id=$1 cap=$3 inlen=$4 nenv=$6
  decode "$5"; cwd=$v
  f=$w/$id
  shift 6
  count=$# i=0
  # The env entries, a "--", then the argv (the runner exports up to the "--").
  for a do
    [ "$i" != "$nenv" ] || set -- "$@" --
    decode "$a"; set -- "$@" "$v"; i=$((i + 1))
  done
  shift "$count"
  input=/dev/null
  if [ "$inlen" -gt 0 ]; then input=$f.in; fi
  # A request killed before it started (a lane whose worker was replaced) never starts; its
  # readers see end of file at once.
  if [ -e "$f.kill" ]; then
    { true; } 6>"$fifos.o" 7>"$fifos.e"
    wait; finish 137 ""; forget; return
  fi
  # No child of this worker may end while it opens the pipes below: the shell does not retry an
  # open that a child's SIGCHLD interrupts. (The last request's file removal is long done.)
  if [ -n "\${cleaner:-}" ]; then wait "$cleaner"; cleaner=; fi
  pid=
  # The readers already opened (or are opening) the read ends: these opens return at once.
  {
    echo "$cap" >&6
    echo "$cap" >&7
    (
      # Marked live before it leaves the supervisor's session, so no other command's sweep ends it.
      read -r -n 16 st </proc/self/stat; me=\${st%% *}
      echo "$me" >>"$w/live/$me"
      # The command looks its programs up on the image's PATH; root's two tools go by full path
      # from here on, so nothing on that PATH runs before the privilege drop. Every command goes
      # through the runner, which checks the groups the drop gave it before running anything.
      PATH=$image_path
      exec "$setsid_tool" "$ssd_tool" -S -p "$w/.none" -c "$user" -x /bin/sh -- -c '${COMMAND_RUNNER}' warden-command "$gid" "$cwd" "$@"
    ) <"$input" >&6 2>&7 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    pid=$!
  } 6>"$fifos.o" 7>"$fifos.e"
  # The pipes could not be opened: this worker ends (the next lane-0 request starts another).
  if [ -z "$pid" ]; then finish 125 ""; forget; exit 1; fi
  echo "$pid" >>"$w/live/$pid"
  echo "$pid" >"$f.pid"
  if [ -e "$f.kill" ]; then killgroup "$pid"; fi
  wait "$pid"
  code=$?
  true >"$w/live/$pid"
  sweep
  # The readers end once every writer is gone: the command and (after the sweep) what it left.
  wait
  oom=0
  if [ "$code" = 137 ] && [ ! -e "$f.kill" ]; then
    oomcount; seen=0; read -r seen <"$w/oom" 2>/dev/null
    if [ "$oom_total" -gt "$seen" ]; then oom=1; echo "$oom_total" >"$w/oom"; fi
  fi
  finish "$code" "$oom"
  forget "$pid"
}
# Writes the reply of request $id, holding the token so that no other reply interleaves; with an
# OOM flag ($2) the captured output follows, without one the reply carries no output.
finish() {
  read -r _ <&3
  if [ -n "$2" ]; then
    printf 'D %s %s %s\\n' "$id" "$1" "$2"
    emit "$fifos.o.64"; emit "$fifos.e.64"
  else
    printf 'D %s %s 0\\n\\n\\n' "$id" "$1"
  fi
  echo >&3
}
# Copies one base64 file to stdout as a line: a short one through the shell alone, a long one
# through cat.
emit() {
  line=
  IFS= read -r -n 1024 line <"$1"
  if [ "\${#line}" -lt 1024 ]; then printf '%s\\n' "$line"; else cat "$1"; printf '\\n'; fi
}
# Removes a finished request's files in the background: the worker moves on at once.
forget() {
  rm -f "$f".* \${1:+"$w/live/$1"} </dev/null >/dev/null 2>&1 &
  cleaner=$!
}
run_spec() {
  set -f; set -- "$1" "$2" "$3" "$4" $(cat "$w/$1.spec"); set +f
  run "$@"
}
request() {
  case $1 in
    R) shift; run "$@" ;;
    B) shift; run_spec "$@" ;;
  esac
}
# Lane 1: a fresh worker with pipes of its own for one request.
once() {
  fifos=$w/$2
  id=$2 f=$w/$2
  mkfifo "$fifos.o" "$fifos.e" "$fifos.o.b" "$fifos.e.b" || { finish 125 ""; forget; return; }
  whoami_worker
  readers "$fifos"
  request "$@"
}
# Lane 0: the warm worker, reading requests from fd 5; its readers wait before each request.
warm() {
  fifos=$w/warm$1
  whoami_worker
  while :; do
    readers "$fifos"
    IFS= read -r line <&5 || exit 0
    set -f; set -- $line; set +f
    request "$@"
  done
}
# (Re)starts the warm worker with pipes of its own generation; readers of a dead one see end of file.
start_warm() {
  if [ "$generation" -gt 0 ]; then
    true 1<>"$w/warm$generation.o"; true 1<>"$w/warm$generation.e"
    rm -f "$w/warm$generation".*
  fi
  generation=$((generation + 1))
  mkfifo "$w/warm$generation.o" "$w/warm$generation.e" "$w/warm$generation.o.b" "$w/warm$generation.e.b" || return 1
  warm "$generation" </dev/null 2>/dev/null &
  warm_pid=$!
}
wait_for_owner() {
  printf 'FALLBACK %s %s %s\\n' "$1" "$(id -u 2>/dev/null)" "$(stat -c %a /tmp 2>/dev/null)"
  while read -r _; do true; done
  exit 0
}
user=\${2:-}
gid=\${user#*:}
chmod 711 "$w" 2>/dev/null
# The engine copies the image's /tmp mode onto the tmpfs; its owner (the sandbox user) shares it.
asuser -c 'chmod 1777 /tmp' </dev/null >/dev/null 2>&1
[ "\${1:-}" = supervise ] || wait_for_owner requested
for tool in base64 mkfifo head cat setsid rm mkdir dd id stat start-stop-daemon; do
  command -v "$tool" >/dev/null 2>&1 || wait_for_owner "missing-$tool"
done
# The two tools a command's subshell runs as root after it switched to the image's PATH, by full
# path (busybox's "command -v" names an applet without its directory).
systool setsid && setsid_tool=$v || wait_for_owner missing-setsid
systool start-stop-daemon && ssd_tool=$v || wait_for_owner missing-start-stop-daemon
# The workers read bounded heads ("read -n", busybox and bash); a POSIX-only shell such as dash
# returned every command's output empty: such an image gets Engine-API exec instead.
probe_read
[ -n "$partial" ] || wait_for_owner no-read-n
mkdir "$w/live" 2>/dev/null || wait_for_owner no-live
mkfifo "$w/token" "$w/lane" 2>/dev/null || wait_for_owner no-fifo
command_uid=$(asuser -c 'id -u' </dev/null 2>/dev/null)
[ -n "$command_uid" ] && [ "$command_uid" != 0 ] || wait_for_owner no-drop
# The supplementary groups a command gets, reported for the host to check ("-" for none, "?"
# when unreadable); each command checks its own again (GROUP_CHECK).
command_groups=$(asuser -c 'g=?; while IFS= read -r l; do case $l in Groups:*) g=\${l#Groups:}; break ;; esac; done </proc/self/status; echo "$g"' </dev/null 2>/dev/null)
groups_list=
set -f; for g in $command_groups; do groups_list=\${groups_list:+$groups_list,}$g; done; set +f
[ -n "$command_groups" ] || groups_list=?
protect
exec 3<>"$w/token" 5<>"$w/lane"
echo >&3
oomcount; echo "$oom_total" >"$w/oom"
generation=0
start_warm || wait_for_owner no-fifo
printf 'READY ${SUPERVISOR_PROTOCOL_VERSION} %s %s %s\\n' "$command_uid" "$(stat -c %a /tmp)" "\${groups_list:--}"
while IFS= read -r line; do
  # Reap finished requests: zombies count against the pids limit, and a shell that cannot fork exits.
  jobs >/dev/null 2>&1
  set -f; set -- $line; set +f
  case \${1:-} in
    R|B)
       case $2 in ''|*[!0-9]*) continue ;; esac
       id=$2 f=$w/$2
       if [ -e "$f.pid" ] || ! true >"$f.pid"; then finish 125 ""; continue; fi
       if [ "$1" = B ]; then readblob "$6" "$w/$2.spec"; fi
       if [ "$5" -gt 0 ]; then readblob "$5" "$w/$2.in"; fi
       if [ "$3" = 0 ]; then
         # A warm worker that could not fork (pids limit) has exited: start another.
         kill -0 "$warm_pid" 2>/dev/null || start_warm 2>/dev/null
         printf '%s\\n' "$*" >&5
       else
         once "$@" </dev/null 2>/dev/null 5>&- &
       fi
       ;;
    K) true >"$w/$2.kill" 2>/dev/null
       pid=
       if read -r pid <"$w/$2.pid" 2>/dev/null && [ -n "$pid" ]; then killgroup "$pid"; fi
       ;;
  esac
done
`;

/** The supervisor script, as passed to `/bin/sh -c`. */
const SUPERVISOR_SCRIPT: string = SCRIPT;

/**
 * The container command: the supervisor in `supervise` mode, or only waiting for the owner in
 * `wait` mode. `user` is the numeric `uid:gid` commands run as.
 */
export function supervisorCommand(mode: 'supervise' | 'wait', user: string): string[] {
  return ['/bin/sh', '-c', SUPERVISOR_SCRIPT, 'warden-supervisor', mode, user];
}
