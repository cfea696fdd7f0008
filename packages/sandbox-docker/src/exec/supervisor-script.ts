/**
 * The supervisor: a POSIX `sh` script that runs as the container's main process (under the
 * init) and turns framed requests on its attached stdin into commands, so that running a command
 * costs a fork inside the container instead of a runtime exec.
 *
 * Protocol (version 1), one request per line from the host:
 *
 * - `R <id> <capBytes> <stdinBytes> <cwd> <envCount> <env>… <arg>…` then `stdinBytes` raw bytes.
 *   `cwd`, each `NAME=value` env entry and each argv element are base64 (`-` for empty). The
 *   script decodes each into a positional parameter and runs `"$@"`: no `eval`, no host-built
 *   shell string. A string command arrives as the argv `/bin/sh -c <string>`.
 * - `K <id>` kills the request's process group (timeout or abort).
 *
 * Replies on stdout: `READY 1 <uid> <tmp mode>` (or `FALLBACK <reason>`) once, then per request
 * `D <id> <exit code> <oom 0|1>` followed by one base64 line of stdout and one of stderr, each cut
 * at `capBytes` inside the container. One emitter process writes every reply, so replies of
 * concurrent commands never interleave.
 *
 * @module
 */

/** The tmpfs where the supervisor keeps each request's pipes, captured output and stdin. */
export const SUPERVISOR_DIRECTORY = '/run/warden';

/** Protocol version announced in the `READY` line. */
const SUPERVISOR_PROTOCOL_VERSION = '1';

const SCRIPT = `w=${SUPERVISOR_DIRECTORY}
decode() {
  case $1 in
    -) v= ;;
    .*) v=\${1#.} ;;
    *) v=$(printf %s "$1" | base64 -d; echo x); v=\${v%x} ;;
  esac
}
readblob() {
  full=$(($1 / 65536)); rest=$(($1 % 65536))
  : >"$2"
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
  kill -KILL -"$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
}
run() {
  id=$1 cap=$2 inlen=$3 nenv=$5
  decode "$4"; cwd=$v
  dir=$w/$id
  shift 5
  count=$#
  for a do decode "$a"; set -- "$@" "$v"; done
  shift "$count"
  mkfifo "$dir/o" "$dir/e" || { echo "$id 125 0" >"$w/done"; return; }
  { head -c "$cap" >"$dir/out"; exec cat >/dev/null; } <"$dir/o" &
  { head -c "$cap" >"$dir/err"; exec cat >/dev/null; } <"$dir/e" &
  input=/dev/null
  if [ "$inlen" -gt 0 ]; then input=$dir/in; fi
  (
    umask 022
    if [ -n "$cwd" ] && ! cd "$cwd" 2>/dev/null; then printf 'cannot change directory to %s\\n' "$cwd" >&2; exit 126; fi
    if [ "$nenv" -gt 0 ]; then exec setsid env -- "$@"; fi
    exec setsid "$@"
  ) <"$input" >"$dir/o" 2>"$dir/e" &
  pid=$!
  echo "$pid" >"$dir/pid"
  if [ -e "$dir/kill" ]; then killgroup "$pid"; fi
  wait "$pid"; code=$?
  wait
  oom=0
  if [ "$code" = 137 ] && [ ! -e "$dir/kill" ]; then
    oomcount; seen=0; read -r seen <"$w/oom" 2>/dev/null
    if [ "$oom_total" -gt "$seen" ]; then oom=1; echo "$oom_total" >"$w/oom"; fi
  fi
  echo "$id $code $oom" >"$w/done"
}
run_spec() {
  set -f; set -- "$1" "$2" "$3" $(cat "$w/$1/spec"); set +f
  run "$@"
}
emit() {
  while read -r id code oom; do
    printf 'D %s %s %s\\n' "$id" "$code" "$oom"
    if [ -s "$w/$id/out" ]; then base64 -w 0 <"$w/$id/out"; fi; printf '\\n'
    if [ -s "$w/$id/err" ]; then base64 -w 0 <"$w/$id/err"; fi; printf '\\n'
    rm -rf "$w/$id"
  done
}
wait_for_owner() {
  printf 'FALLBACK %s %s %s\\n' "$1" "$(id -u 2>/dev/null)" "$(stat -c %a /tmp 2>/dev/null)"
  while read -r _; do :; done
  exit 0
}
chmod 1777 /tmp 2>/dev/null
[ "\${1:-}" = supervise ] || wait_for_owner requested
for tool in base64 mkfifo head cat setsid env rm mkdir dd id stat; do
  command -v "$tool" >/dev/null 2>&1 || wait_for_owner "missing-$tool"
done
mkfifo "$w/done" 2>/dev/null || wait_for_owner no-fifo
exec 3<>"$w/done"
oomcount; echo "$oom_total" >"$w/oom"
emit <&3 2>/dev/null &
printf 'READY ${SUPERVISOR_PROTOCOL_VERSION} %s %s\\n' "$(id -u)" "$(stat -c %a /tmp)"
while IFS= read -r line; do
  set -f; set -- $line; set +f
  case \${1:-} in
    R) shift
       if ! mkdir "$w/$1" 2>/dev/null; then echo "$1 125 0" >"$w/done"; continue; fi
       if [ "$3" -gt 0 ]; then readblob "$3" "$w/$1/in"; fi
       run "$@" </dev/null >/dev/null 2>&1 &
       ;;
    B) shift
       if ! mkdir "$w/$1" 2>/dev/null; then echo "$1 125 0" >"$w/done"; continue; fi
       readblob "$4" "$w/$1/spec"
       if [ "$3" -gt 0 ]; then readblob "$3" "$w/$1/in"; fi
       run_spec "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &
       ;;
    K) { : >"$w/$2/kill"; } 2>/dev/null
       if read -r pid <"$w/$2/pid" 2>/dev/null; then killgroup "$pid"; fi
       ;;
  esac
done
`;

/** The supervisor script, as passed to `/bin/sh -c`. */
const SUPERVISOR_SCRIPT: string = SCRIPT;

/** The container command: the supervisor in `supervise` mode, or only waiting for the owner in `wait` mode. */
export function supervisorCommand(mode: 'supervise' | 'wait'): string[] {
  return ['/bin/sh', '-c', SUPERVISOR_SCRIPT, 'warden-supervisor', mode];
}
