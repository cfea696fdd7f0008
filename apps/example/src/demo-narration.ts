import type { Exchange, ScenarioStep } from './scenario.js';

type Json = Record<string, unknown>;

const PORT_NAMES: Record<string, string> = { killSwitch: 'kill switch', rateLimiter: 'rate limits' };

const shortKey = (key: unknown): string => {
  const text = String(key);
  return text.length > 20 ? `${text.slice(0, 16)}…` : text;
};
const shortAgent = (agent: unknown): string =>
  String(agent).replace(/^(p2p:)(.+)$/, (_all, prefix, key) => `${prefix}${shortKey(key)}`);
const list = (items: unknown): string => (Array.isArray(items) && items.length > 0 ? items.join(', ') : 'none');

/** The lines printed for one step of the scenario. */
export function narrateStep(step: ScenarioStep): string[] {
  const lines = ['', `${step.number}. ${step.title}`];
  for (const exchange of step.exchanges) {
    lines.push(`   ${exchange.caller}: ${exchange.method} ${exchange.path}`);
    lines.push(...describeResponse(exchange).map((line, index) => `${index === 0 ? '     → ' : '       '}${line}`));
  }
  return lines;
}

function describeResponse(exchange: Exchange): string[] {
  const body = exchange.body;
  const status = `${exchange.status}`;
  if (isJson(body.error)) return [`${status} ${body.error.code}: ${body.error.message}`];
  if (exchange.path === '/health') return [`${status} ${describeHealth(body)}`];
  if (exchange.path.startsWith('/kill-switch')) {
    return [
      `${status} kill switch ${body.active ? `ACTIVE ("${body.reason}", by ${body.actor})` : `released (by ${body.actor})`}`,
    ];
  }
  if (exchange.path.endsWith('/check')) {
    return [`${status} ${body.capability}: ${body.allowed ? 'allowed' : `denied (${body.reason})`}`];
  }
  if (exchange.path.endsWith('/whoami')) return [`${status} ${describeWhoami(body)}`];
  if (exchange.path === '/capabilities/delegations') return [`${status} ${describeDelegation(body)}`];
  if (exchange.path === '/approvals') return describePending(status, body);
  return describeOutcome(status, body);
}

function describeHealth(body: Json): string {
  const killSwitch = isJson(body.killSwitch) ? body.killSwitch.active : 'unknown';
  const backends = isJson(body.backends) ? body.backends : {};
  const used = Object.entries(backends)
    .map(([port, backend]) => `${PORT_NAMES[port] ?? port} ${backend}`)
    .join(', ');
  return `${body.status} · kill switch ${killSwitch === false ? 'released' : 'ACTIVE'} · backends: ${used}`;
}

function describeWhoami(body: Json): string {
  const source = isJson(body.source) ? body.source : {};
  return `whoami: ${source.type}/${body.trustLevel}, capabilities ${list(body.capabilities)} (delegated: ${list(source.grantedCapabilities)})`;
}

function describeDelegation(body: Json): string {
  const capability = isJson(body.capability) ? body.capability : {};
  const chain = Array.isArray(body.chain) ? body.chain.filter(isJson) : [];
  const path = [chain[0]?.grantedBy, ...chain.map((link) => link.grantedTo)].map(shortAgent).join(' → ');
  return `delegated ${list(capability.actions)} until ${new Date(Number(capability.expiresAt)).toISOString()}; chain ${path}`;
}

function describePending(status: string, body: Json): string[] {
  const pending = Array.isArray(body.pending) ? body.pending.filter(isJson) : [];
  const lines = [`${status} ${pending.length} pending`];
  for (const request of pending) {
    const from = isJson(request.from) ? request.from : {};
    const asked = isJson(request.request) ? request.request : {};
    lines.push(
      `${request.id}: ${from.type} ${shortKey(from.publicKey)} via ${request.gateway} to ${request.session}, wants ${asked.tool ?? 'to talk'} ${JSON.stringify(asked.command ?? asked.message)}`,
    );
  }
  return lines;
}

function describeOutcome(status: string, body: Json): string[] {
  if (body.status === 'pending-approval') {
    const where = body.gateway === undefined ? '' : ` in gateway ${body.gateway}`;
    return [`${status} queued as ${body.requestId}${where}: waiting for an operator`];
  }
  const source = isJson(body.source) ? body.source : {};
  const route =
    body.route === 'gateway' ? `through gateway ${body.gateway}` : body.route === 'direct' ? 'direct' : 'approved';
  const approved = Array.isArray(body.approvedBy) ? ` by ${list(body.approvedBy)}` : '';
  const lines = [
    `${status} ${body.status} (${route}${approved}) as ${source.type}/${source.trustLevel}; tools offered: ${list(body.tools)}`,
  ];
  if (isJson(body.run)) lines.push(...describeRun(body.run));
  else if (body.reply !== undefined) lines.push(String(body.reply));
  return lines;
}

function describeRun(run: Json): string[] {
  const sandbox = isJson(run.sandbox) ? run.sandbox : {};
  const limits = isJson(sandbox.constraints) ? sandbox.constraints : {};
  const credential = isJson(run.jitCredential) ? run.jitCredential : {};
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trimEnd().split('\n');
  return [
    `sandbox ${sandbox.backend} ${shortKey(sandbox.id)}: network ${limits.networkPolicy}, ${limits.maxMemoryMb} MiB, ${limits.maxCpuPercent}% CPU, ${limits.maxPids} pids, ${Number(limits.timeoutMs) / 1000} s; destroyed: ${sandbox.destroyed ? 'yes' : 'NO'}`,
    `JIT credential ${shortKey(credential.id)} (${list(credential.scope)}) issued for the run; revoked after it: ${credential.revoked ? 'yes' : 'NO'}`,
    `exit ${run.exitCode}${run.timedOut ? ' (timed out)' : ''}; output:`,
    ...output.map((line) => `  | ${line}`),
  ];
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
