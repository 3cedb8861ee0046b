// The dashboard's shell: hash routing, the session check and the navigation. Each page fetches its
// own data; a 401 from any call sends the user back to the sign-in page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, whenUnauthorized } from './api';
import { Campaign } from './pages/campaign';
import { Campaigns } from './pages/campaigns';
import { Domains } from './pages/domains';
import { Events } from './pages/events';
import { Identities } from './pages/identities';
import { Inbox } from './pages/inbox';
import { Overview } from './pages/overview';
import { Placement } from './pages/placement';
import { Pools } from './pages/pools';
import { Queue } from './pages/queue';
import { SignIn } from './pages/sign-in';
import { Suppressions } from './pages/suppressions';
import { Trace } from './pages/trace';
import './style.css';

type Session = { scope: string; expiresAt: string | null };

const NAV: Array<[string, string]> = [
  ['#/overview', 'Overview'],
  ['#/queue', 'Queue'],
  ['#/identities', 'Identities'],
  ['#/pools', 'Pools'],
  ['#/campaigns', 'Campaigns'],
  ['#/inbox', 'Inbox'],
  ['#/placement', 'Placement'],
  ['#/domains', 'Domains'],
  ['#/suppressions', 'Suppressions'],
  ['#/events', 'Live events'],
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/overview');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/overview');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const hash = useHash();
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized(() => setSession(null));
    api<Session>('GET', '/v1/session').then(setSession, () => setSession(null));
  }, []);

  if (session === undefined) return <p class="muted pad">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => undefined);
    setSession(null);
    location.hash = '#/overview';
  };
  const path = hash.slice(1);
  const trace = /^\/messages\/([^/?]+)/.exec(path);
  const campaign = /^\/campaigns\/([^/?]+)/.exec(path);
  const inbox = /^\/inbox(?:\/(\d+))?/.exec(path);
  const placement = /^\/placement(?:\/([^/?]+))?/.exec(path);
  return (
    <div class="shell">
      <header>
        <strong class="brand">Petrel</strong>
        <nav>
          {NAV.map(([href, label]) => (
            <a href={href} class={hash.startsWith(href) ? 'active' : ''}>{label}</a>
          ))}
        </nav>
        <span class="muted">{session.scope}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main>
        {trace ? <Trace id={decodeURIComponent(trace[1]!)} admin={session.scope === 'admin'} />
          : path.startsWith('/queue') ? <Queue />
          : path.startsWith('/identities') ? <Identities admin={session.scope === 'admin'} />
          : path.startsWith('/pools') ? <Pools />
          : campaign ? <Campaign key={campaign[1]} name={decodeURIComponent(campaign[1]!)} admin={session.scope === 'admin'} />
          : path.startsWith('/campaigns') ? <Campaigns />
          : inbox ? <Inbox id={inbox[1] ? Number(inbox[1]) : null} />
          : placement ? <Placement id={placement[1] ? decodeURIComponent(placement[1]) : undefined} />
          : path.startsWith('/domains') ? <Domains admin={session.scope === 'admin'} />
          : path.startsWith('/suppressions') ? <Suppressions admin={session.scope === 'admin'} />
          : path.startsWith('/events') ? <Events />
          : <Overview />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
