// One rollout, live: where it is (stages and datacenter waves), a grid with a cell per
// host coloured by its phase and showing its step, the judgment chart, the event log
// with reasons, and pause, resume, abort and rollback for the roles allowed to use them.
//
// The grid's shape (preview hosts, each datacenter's batches) comes from the plan's dry
// run; the rollout itself lists a host only once it has reached it, so hosts not yet
// reached show as `pending`. Hosts the rollout reached that the dry run did not place
// (the fleet changed since the start) are shown with their datacenter.
import { useEffect, useState } from 'preact/hooks';
import { hostList, type HostStepView, type PlanView, type RolloutPreview, type RolloutView } from '../../../libs/protocol/src/index.js';
import { canSteerRollouts, type Api, type Me } from './api.js';
import type { FeedState, LiveFeed, LogEntry } from './feed.js';
import { clock, ErrorLine, Pill, shortId, startedBy, time } from './format.js';
import { message, useLoad } from './hooks.js';
import { JudgmentChart } from './judgment-chart.js';

const TERMINAL = ['succeeded', 'failed', 'aborted', 'rolled_back'];

export function RolloutPage({ api, feed, state, id, me }: { api: Api; feed: LiveFeed; state: FeedState; id: string; me: Me }) {
  useEffect(() => feed.watch(id), [feed, id]);
  const watched = state.rollouts.get(id);
  // Shown once its snapshot is in: before it, what events said has no hosts.
  const view = watched?.complete ? watched.view : undefined;
  const planId = view?.planId;
  const plan = useLoad(() => (planId ? api<PlanView>('GET', `/api/v1/plans/${planId}`) : Promise.resolve(undefined)), [planId]);
  const layout = useLoad(() => (planId ? api<RolloutPreview>('POST', `/api/v1/plans/${planId}/rollout-preview`) : Promise.resolve(undefined)), [planId]);
  const watchError = state.watchErrors.get(id) ?? null;
  if (!view) return <section>{watchError ? <ErrorLine error={watchError} /> : <p class="empty">Loading rollout {shortId(id)}…</p>}</section>;
  return (
    <section class="rollout" data-testid="rollout" data-rollout={id} data-status={view.status} data-stage={view.stage}>
      <div class="card">
        <h2>
          {plan.data?.title ?? `plan ${shortId(view.planId)}`} <Pill kind={view.status}>{view.status}</Pill>
        </h2>
        <p class="muted">
          rollout <span class="mono">{shortId(view.id)}</span> · started {time(view.createdAt)} {startedBy(view)}
          {view.finishedAt ? ` · finished ${time(view.finishedAt)}` : ''}
          {view.emergency ? ` · emergency start by ${view.emergency.by.name}: ${view.emergency.reason}` : ''}
        </p>
        <Stages view={view} layout={layout.data} />
        <Where view={view} />
        {canSteerRollouts(me) ? <Controls api={api} view={view} /> : null}
      </div>
      <ErrorLine error={layout.error ? `the batch layout could not be read (${layout.error}); showing the hosts the rollout reached` : null} />
      <Grid view={view} layout={layout.data} />
      <JudgmentChart api={api} view={view} />
      <Log entries={state.logs.get(id) ?? []} />
    </section>
  );
}

function Stages({ view, layout }: { view: RolloutView; layout: RolloutPreview | undefined }) {
  const datacenters = layout?.waves.map((w) => w.datacenter) ?? [...new Set(view.hosts.flatMap((h) => (h.task.includes(' ') ? [h.task.split(' ')[1]!] : [])))];
  const stages = ['preview', 'ramp', ...datacenters.map((dc) => `wave ${dc}`), ...(view.rollback ? ['rollback'] : []), 'done'];
  const current =
    view.stage === 'preview' || view.stage === 'pending'
      ? 'preview'
      : view.stage === 'ramp' || view.stage === 'observe'
        ? 'ramp'
        : view.stage === 'rollback' || view.stage === 'done'
          ? view.stage
          : `wave ${view.datacenter}`;
  const index = stages.indexOf(current);
  return (
    <ol class="stages">
      {stages.map((stage, i) => (
        <li key={stage} class={i < index || (stage === 'done' && TERMINAL.includes(view.status)) ? 'past' : i === index ? `current status-${view.status}` : ''}>
          {stage}
        </li>
      ))}
    </ol>
  );
}

function Where({ view }: { view: RolloutView }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!view.waitingUntil) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [view.waitingUntil]);
  const left = view.waitingUntil ? Math.max(0, Math.round((Date.parse(view.waitingUntil) - now) / 1000)) : null;
  return (
    <div class="where">
      <span>
        stage <strong data-testid="stage">{view.stage}</strong>
      </span>
      {view.datacenter ? (
        <span>
          datacenter <strong>{view.datacenter}</strong>
        </span>
      ) : null}
      {view.batch ? (
        <span>
          batch <strong>{view.batch.number}</strong> of {view.batch.of}
        </span>
      ) : null}
      {left !== null ? <span>waiting {left}s</span> : null}
      {view.reason ? (
        <span class="reason" data-testid="rollout-reason">
          {view.reason.code}: {view.reason.message}
        </span>
      ) : null}
      {view.intents.pause ? (
        <span class="intent">
          pause asked by {view.intents.pause.by} at {time(view.intents.pause.at)}
          {view.intents.pause.reason ? `: ${view.intents.pause.reason}` : ''}
        </span>
      ) : null}
      {view.rollback ? (
        <span class="intent" data-testid="rollback">
          {view.rollback.automatic ? 'rolled back automatically' : `rollback by ${view.rollback.by}`} at {time(view.rollback.at)}: {view.rollback.reason}
          {view.rollback.step ? ` · step ${view.rollback.step.number} of ${view.rollback.step.of} (${view.rollback.step.what}: ${view.rollback.step.services.join(', ')})` : ''}
        </span>
      ) : null}
      {view.intents.abort ? (
        <span class="intent">
          aborted by {view.intents.abort.by} at {time(view.intents.abort.at)}
          {view.intents.abort.reason ? `: ${view.intents.abort.reason}` : ''}
        </span>
      ) : null}
    </div>
  );
}

function Controls({ api, view }: { api: Api; view: RolloutView }) {
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState<'abort' | 'rollback' | null>(null);
  const [dataLoss, setDataLoss] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const terminal = TERMINAL.includes(view.status);
  // Rollback is open until the rollout is rolled back or rolling back (the API says why otherwise).
  const canRollBack = view.rollback === null && view.status !== 'pending';
  const act = async (action: 'pause' | 'resume' | 'abort' | 'rollback') => {
    setBusy(true);
    setError(null);
    try {
      const why = reason.trim() ? { reason: reason.trim() } : {};
      const body = action === 'resume' ? {} : action === 'rollback' ? { ...why, confirmDataLoss: dataLoss } : why;
      // The page shows the result when the feed reports it, like every other change.
      await api('POST', `/api/v1/rollouts/${view.id}/${action}`, body);
      setReason('');
      setConfirm(null);
    } catch (failure) {
      setError(message(failure));
    } finally {
      setBusy(false);
    }
  };
  if (terminal && !canRollBack) return null;
  const confirming = (action: 'abort' | 'rollback', label: string) =>
    confirm === action ? (
      <>
        <button class="danger" onClick={() => act(action)} disabled={busy}>
          Confirm {action === 'rollback' ? 'rollback' : 'abort'}
        </button>
        <button onClick={() => setConfirm(null)}>Cancel</button>
      </>
    ) : (
      <button class="danger" onClick={() => setConfirm(action)} disabled={busy}>
        {label}
      </button>
    );
  return (
    <div class="controls">
      <input placeholder="reason (a rollback needs one)" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} aria-label="reason" />
      {terminal ? null : view.status === 'paused' ? (
        <button onClick={() => act('resume')} disabled={busy}>
          Resume
        </button>
      ) : (
        <button onClick={() => act('pause')} disabled={busy}>
          Pause
        </button>
      )}
      {terminal ? null : confirming('abort', 'Abort')}
      {canRollBack ? confirming('rollback', 'Roll back') : null}
      {confirm === 'rollback' ? (
        <label class="muted">
          <input type="checkbox" checked={dataLoss} onChange={(e) => setDataLoss((e.target as HTMLInputElement).checked)} /> confirm data loss (plans whose data is not forward-compatible)
        </label>
      ) : null}
      <ErrorLine error={error} />
    </div>
  );
}

interface Row {
  label: string;
  current: boolean;
  hosts: string[];
}

function Grid({ view, layout }: { view: RolloutView; layout: RolloutPreview | undefined }) {
  const steps = new Map(view.hosts.map((h) => [h.hostname, h]));
  const placed = new Set<string>();
  const groups: { title: string; rows: Row[] }[] = [];
  const previewHosts = layout?.previewHosts ?? view.hosts.filter((h) => h.task === 'preview' || h.task === 'ramp').map((h) => h.hostname);
  if (previewHosts.length > 0) {
    groups.push({ title: 'preview', rows: [{ label: 'preview hosts', current: ['preview', 'ramp', 'observe'].includes(view.stage), hosts: previewHosts }] });
    previewHosts.forEach((h) => placed.add(h));
  }
  for (const wave of layout?.waves ?? []) {
    groups.push({
      title: wave.datacenter,
      rows: wave.batches.map((hosts, i) => ({
        label: `batch ${i + 1}`,
        current: view.datacenter === wave.datacenter && view.batch?.number === i + 1 && view.stage !== 'gate',
        hosts,
      })),
    });
    wave.batches.flat().forEach((h) => placed.add(h));
  }
  for (const host of view.hosts.filter((h) => !placed.has(h.hostname))) {
    const datacenter = host.task.split(' ')[1] ?? 'other';
    let group = groups.find((g) => g.title === datacenter);
    if (!group) groups.push((group = { title: datacenter, rows: [] }));
    let row = group.rows.find((r) => r.label === 'reached');
    if (!row) group.rows.push((row = { label: 'reached', current: false, hosts: [] }));
    row.hosts.push(host.hostname);
  }
  return (
    <div class="card grid" data-testid="grid">
      <div class="legend">
        {['pending', 'waiting', 'running', 'done', 'failed', 'skipped'].map((phase) => (
          <span key={phase} class={`cell-dot phase-${phase}`}>
            {phase}
          </span>
        ))}
      </div>
      {groups.map((group) => (
        <div class="wave" key={group.title}>
          <h3>{group.title}</h3>
          {group.rows.map((row) => (
            <div class={`batch${row.current ? ' current' : ''}`} key={row.label}>
              <span class="batch-label">{row.label}</span>
              {row.hosts.map((hostname) => (
                <Cell key={hostname} hostname={hostname} step={steps.get(hostname)} />
              ))}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

function Cell({ hostname, step }: { hostname: string; step: HostStepView | undefined }) {
  const phase = step?.phase ?? 'pending';
  const what = step?.step ? step.step.split(':').slice(1).join(' ') : phase === 'done' ? (step?.updated ? 'updated' : 'done') : '';
  return (
    <div class={`cell phase-${phase}`} data-testid="host-cell" data-host={hostname} data-phase={phase} title={step?.reason ? `${step.reason.code}: ${step.reason.message}` : `${hostname}: ${phase}`}>
      <div class="cell-host">{hostname}</div>
      <div class="cell-step">
        {what}
        {step && step.attempt > 1 ? ` #${step.attempt}` : ''}
      </div>
      {step?.reason ? <div class="cell-reason">{step.reason.code}</div> : null}
    </div>
  );
}

function Log({ entries }: { entries: readonly LogEntry[] }) {
  return (
    <div class="card log">
      <h3>Events</h3>
      <ol data-testid="event-log">
        {[...entries].reverse().slice(0, 300).map((entry) => (
          <li key={`${entry.seq}-${entry.text}`} class={`log-${entry.status}`} data-seq={entry.seq} data-kind={entry.hostnames.length > 0 ? 'step' : 'rollout'}>
            <span class="muted mono">
              {clock(entry.at)} #{entry.seq}
            </span>{' '}
            {entry.hostnames.length > 0 ? (
              <span class="mono">{hostList(entry.hostnames)}</span>
            ) : (
              <strong>rollout</strong>
            )} {entry.text} <Pill kind={entry.status}>{entry.status}</Pill>
            {entry.reason ? (
              <span class="reason">
                {' '}
                {entry.reason.code}: {entry.reason.message}
              </span>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
