/**
 * The supervisor: a POSIX `sh` script that runs as the container's main process (under the
 * init) and turns framed requests on its attached stdin into commands, so that running a command
 * costs a fork inside the container instead of a runtime exec.
 *
 * The supervisor runs as root with only `SETUID`, `SETGID` and `KILL` (no-new-privileges, every
 * other capability dropped); each command runs under the sandbox user, started through
 * `start-stop-daemon -c uid:gid` in a session of its own with only fds 0-2. So the sandbox user
 * never reaches the supervisor's directory (`/run/warden`, root, mode 711, entries 700), its
 * FIFOs, its stdout (`/proc/<pid>/fd` of a root process), or its processes (signals, ptrace).
 *
 * Protocol (version 2), one request per line from the host:
 *
 * - `R <id> <capBytes> <stdinBytes> <cwd> <envCount> <env>… <arg>…` then `stdinBytes` raw bytes.
 *   `cwd`, each `NAME=value` env entry and each argv element are base64 (`-` for empty). The
 *   script decodes each into a positional parameter and runs `"$@"`: no `eval`, no host-built
 *   shell string. A string command arrives as the argv `/bin/sh -c <string>`.
 * - `K <id>` kills the request's process group (timeout or abort).
 *
 * When a command ends (any way), the supervisor ends every process outside its own session and
 * the sessions of commands still running: whatever a command left behind (`setsid`, double
 * forks) never outlives it, so nothing of an earlier command is alive when a later one runs.
 *
 * Replies on stdout: `READY 2 <command uid> <tmp mode>` (or `FALLBACK <reason> <uid> <tmp mode>`)
 * once, then per request `D <id> <exit code> <oom 0|1>` followed by one base64 line of stdout and
 * one of stderr, each cut at `capBytes` inside the container. One emitter process writes every
 * reply, so replies of concurrent commands never interleave.
 *
 * Only regular builtins carry redirections that may fail: a failed redirection on a special
 * builtin (`:`, `exec`, `set`) would exit the POSIX shell and with it the sandbox.
 *
 * @module
 */

/** The tmpfs where the supervisor keeps each request's pipes, captured output and stdin (root only). */
export const SUPERVISOR_DIRECTORY = '/run/warden';

/** Protocol version announced in the `READY` line. */
const SUPERVISOR_PROTOCOL_VERSION = '2';

/**
 * Ends every process outside the protected sessions (pid 1's, the supervisor's, the caller's own)
 * and the sessions marked live (a non-empty `$w/live/<sid>`, or listed in `$extra_live`). Only
 * the head of `/proc/<pid>/stat` is read (the session is the sixth field; `comm` is at most 15
 * bytes); a head cut short (a `comm` with a newline ends the line within 30 bytes) fails closed: the process is killed.
 */
export const SWEEP_FUNCTION = `sweep() {
  pass=0
  while [ "$pass" -lt 20 ]; do
    found=
    for d in /proc/[0-9]*; do
      p=\${d#/proc/}
      case " 1 $self_pid " in *" $p "*) continue ;; esac
      st=
      read -r -n 96 st <"$d/stat" 2>/dev/null
      [ -n "$st" ] || continue
      rest=\${st##*) }
      set -f; set -- $rest; set +f
      if [ "\${#st}" -ge 64 ] && [ "$#" -ge 5 ]; then
        case " $protected $extra_live " in *" $4 "*) continue ;; esac
        [ -s "$w/live/$4" ] && continue
      fi
      kill -KILL "$p" 2>/dev/null && found=1
    done
    [ -n "$found" ] || break
    pass=$((pass + 1))
  done
}
sessionof() {
  st=; read -r st <"/proc/$1/stat" 2>/dev/null
  rest=\${st##*) }; set -f; set -- $rest; set +f; sid=\${4:-}
}
protect() {
  self_pid=$$ extra_live=
  sessionof 1; protected=$sid
  sessionof "$$"; protected="$protected $sid"
}`;

// Runs as the sandbox user: changes directory, exports the request's variables, runs the argv.
// `exec --` so a program whose name starts with "-" is a program, never an option.
const COMMAND_RUNNER =
  'if [ -n "$1" ] && ! cd "$1" 2>/dev/null; then printf "cannot change directory to %s\\n" "$1" >&2; exit 126; fi; ' +
  'n=$2; shift 2; while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n - 1)); done; umask 022; exec -- "$@"';

const SCRIPT = `w=${SUPERVISOR_DIRECTORY}
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
  for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do
    [ -r "$f" ] || continue
    while read -r k n; do [ "$k" = oom_kill ] && oom_total=$n; done <"$f"
  done
}
killgroup() {
  [ -s "$w/live/$1" ] || return 0
  kill -KILL -"$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
}
${SWEEP_FUNCTION}
asuser() {
  start-stop-daemon -S -p "$w/.none" -c "$user" -x /bin/sh -- "$@"
}
run() {
  id=$1 cap=$2 inlen=$3 nenv=$5
  decode "$4"; cwd=$v
  f=$w/$id
  shift 5
  count=$#
  for a do decode "$a"; set -- "$@" "$v"; done
  shift "$count"
  mkfifo "$f.o" "$f.e" "$f.g" || { echo "$id 125 0" >"$w/done"; return; }
  { head -c "$cap" >"$f.out"; exec cat >/dev/null; } <"$f.o" &
  { head -c "$cap" >"$f.err"; exec cat >/dev/null; } <"$f.e" &
  input=/dev/null
  if [ "$inlen" -gt 0 ]; then input=$f.in; fi
  (
    read -r _ <"$f.g"
    # Without cwd or env, a program found on PATH starts directly; anything else goes through
    # the runner, whose "exec --" reports a missing program (127) and never reads "-x" as an option.
    if [ -z "$cwd" ] && [ "$nenv" = 0 ] && command -v -- "$1" >/dev/null 2>&1; then
      case $1 in -*) ;; *) prog=$1; shift; exec setsid start-stop-daemon -S -p "$w/.none" -c "$user" -x "$prog" -- "$@" ;; esac
    fi
    exec setsid start-stop-daemon -S -p "$w/.none" -c "$user" -x /bin/sh -- -c '${COMMAND_RUNNER}' warden-command "$cwd" "$nenv" "$@"
  ) <"$input" >"$f.o" 2>"$f.e" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$w/live/$pid"
  echo "$pid" >"$f.pid"
  # The command may leave the supervisor's session only once it is marked live (a sweep spares
  # it): the "go" stays readable while the supervisor holds the FIFO open.
  { echo go >&4; if [ -e "$f.kill" ]; then killgroup "$pid"; fi; wait "$pid"; } 4<>"$f.g"
  code=$?
  true >"$w/live/$pid"
  sweep
  # A command killed before it opened its output FIFOs leaves the readers blocked in open: a
  # writer that opens and closes at once lets them see end of file (never blocks, O_RDWR).
  true 1<>"$f.o"
  true 1<>"$f.e"
  wait
  oom=0
  if [ "$code" = 137 ] && [ ! -e "$f.kill" ]; then
    oomcount; seen=0; read -r seen <"$w/oom" 2>/dev/null
    if [ "$oom_total" -gt "$seen" ]; then oom=1; echo "$oom_total" >"$w/oom"; fi
  fi
  echo "$id $code $oom $pid" >"$w/done"
}
run_spec() {
  set -f; set -- "$1" "$2" "$3" $(cat "$w/$1.spec"); set +f
  run "$@"
}
emit() {
  while read -r id code oom pid; do
    printf 'D %s %s %s\\n' "$id" "$code" "$oom"
    if [ -s "$w/$id.out" ]; then base64 -w 0 <"$w/$id.out"; fi; printf '\\n'
    if [ -s "$w/$id.err" ]; then base64 -w 0 <"$w/$id.err"; fi; printf '\\n'
    rm -f "$w/$id".* \${pid:+"$w/live/$pid"}
  done
}
wait_for_owner() {
  printf 'FALLBACK %s %s %s\\n' "$1" "$(id -u 2>/dev/null)" "$(stat -c %a /tmp 2>/dev/null)"
  while read -r _; do true; done
  exit 0
}
user=\${2:-}
chmod 711 "$w" 2>/dev/null
mkdir -m 1733 "$w/x" 2>/dev/null
# The engine copies the image's /tmp mode onto the tmpfs; its owner (the sandbox user) shares it.
asuser -c 'chmod 1777 /tmp' </dev/null >/dev/null 2>&1
[ "\${1:-}" = supervise ] || wait_for_owner requested
for tool in base64 mkfifo head cat setsid rm mkdir dd id stat start-stop-daemon; do
  command -v "$tool" >/dev/null 2>&1 || wait_for_owner "missing-$tool"
done
mkdir "$w/live" 2>/dev/null || wait_for_owner no-live
mkfifo "$w/done" 2>/dev/null || wait_for_owner no-fifo
command_uid=$(asuser -c 'id -u' </dev/null 2>/dev/null)
[ -n "$command_uid" ] && [ "$command_uid" != 0 ] || wait_for_owner no-drop
protect
exec 3<>"$w/done"
oomcount; echo "$oom_total" >"$w/oom"
emit <&3 2>/dev/null &
printf 'READY ${SUPERVISOR_PROTOCOL_VERSION} %s %s\\n' "$command_uid" "$(stat -c %a /tmp)"
while IFS= read -r line; do
  # Reap finished requests: zombies count against the pids limit, and a shell that cannot fork exits.
  jobs >/dev/null 2>&1
  set -f; set -- $line; set +f
  case \${1:-} in
    R) shift
       if [ -e "$w/$1.pid" ] || ! true >"$w/$1.pid"; then echo "$1 125 0" >"$w/done"; continue; fi
       if [ "$3" -gt 0 ]; then readblob "$3" "$w/$1.in"; fi
       run "$@" </dev/null >/dev/null 2>&1 &
       ;;
    B) shift
       if [ -e "$w/$1.pid" ] || ! true >"$w/$1.pid"; then echo "$1 125 0" >"$w/done"; continue; fi
       readblob "$4" "$w/$1.spec"
       if [ "$3" -gt 0 ]; then readblob "$3" "$w/$1.in"; fi
       run_spec "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &
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
