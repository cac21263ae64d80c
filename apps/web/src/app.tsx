// The page: sign-in, then the views over one live feed. Routes live in the URL's hash.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiClient, ApiError, storedToken, storeToken, type Me } from './api.js';
import { LiveFeed } from './feed.js';
import { FleetView } from './fleet-view.js';
import { useFeed, useRoute } from './hooks.js';
import { PlansView } from './plans-view.js';
import { RolloutPage } from './rollout-view.js';
import { RolloutsView } from './rollouts-view.js';
import { SignIn } from './sign-in.js';
import { SummariesView } from './summaries-view.js';

interface Session {
  token: string;
  me: Me;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(storedToken() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    apiClient(token)<Me>('GET', '/api/v1/me').then(
      (me) => setSession({ token, me }),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) storeToken(null);
        setNotice(error instanceof Error ? error.message : String(error));
      },
    ).finally(() => setChecking(false));
  }, []);
  const signOut = (why: string | null) => {
    storeToken(null);
    setNotice(why);
    setSession(null);
  };
  if (checking) return <p class="empty">Signing in…</p>;
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(token, me) => {
          storeToken(token);
          setSession({ token, me });
        }}
      />
    );
  }
  return <Dashboard session={session} signOut={signOut} />;
}

function Dashboard({ session, signOut }: { session: Session; signOut: (why: string | null) => void }) {
  const feed = useMemo(() => new LiveFeed(session.token), [session.token]);
  useEffect(() => () => feed.close(), [feed]);
  const state = useFeed(feed);
  const api = useMemo(() => apiClient(session.token), [session.token]);
  const route = useRoute();
  useEffect(() => {
    if (state.connection === 'refused') signOut(state.refusal);
  }, [state.connection]);
  const [view = 'fleet', id] = route;
  const tab = (name: string, label: string) => (
    <a href={`#/${name}`} class={view === name ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <strong class="brand">Tarmac</strong>
        <nav>
          {tab('fleet', 'Fleet')}
          {tab('plans', 'Plans')}
          {tab('summaries', 'Summaries')}
          {tab('rollouts', 'Rollouts')}
        </nav>
        <span
          class={`live live-${state.connection}`}
          data-testid="live"
          data-connection={state.connection}
          data-seq={state.lastSeq ?? ''}
          data-gaps={state.gaps}
          data-reconnects={state.reconnects}
          data-snapshots={state.snapshots}
          title={`${state.reconnects} reconnections, ${state.snapshots} snapshots, ${state.gaps} missed events`}
        >
          {state.connection} {state.lastSeq !== undefined ? `· seq ${state.lastSeq}` : ''}
        </span>
        <span class="who">
          {session.me.name} <span class="muted">({session.me.roles.join(', ') || 'no roles'})</span>
        </span>
        <button class="link" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <main>
        {view === 'fleet' ? <FleetView hosts={state.hosts} /> : null}
        {view === 'plans' ? <PlansView api={api} version={state.versions.plans} /> : null}
        {view === 'summaries' ? <SummariesView api={api} version={state.versions.summaries} plansVersion={state.versions.plans} /> : null}
        {view === 'rollouts' && !id ? <RolloutsView api={api} live={state.rollouts} version={state.versions.rollouts} plansVersion={state.versions.plans} /> : null}
        {view === 'rollouts' && id ? <RolloutPage key={id} api={api} feed={feed} state={state} id={id} me={session.me} /> : null}
      </main>
    </>
  );
}
