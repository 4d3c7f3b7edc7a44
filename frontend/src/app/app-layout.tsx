import { lazy, Suspense, useState } from 'react';
import { Link, NavLink, Outlet } from 'react-router';
import { Announcer, BusyButton, FormAlert, Spinner } from '@/components/feedback';
import { APP_NAME } from '@/components/page-heading';
import { ThemeSelect } from '@/components/theme-select';
import { useShortcuts } from '@/lib/shortcuts';
import { Toaster } from '@/components/toaster';
import { OfflineBanner } from '@/components/offline-banner';
import { actOnToast, latestActionToast } from '@/lib/toasts';
import { useCurrentUser } from '@/lib/session';
import { useRememberedSearch } from '@/lib/remembered-search';
import { useReauthenticationPrompt } from '@/lib/reauthentication';
import { UserMenu } from '@/app/user-menu';

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/tasks', label: 'Tasks', end: false },
  { to: '/account', label: 'Account', end: false },
  { to: '/security', label: 'Security', end: false },
];

// Loaded when first opened: the dialog and its list stay out of the layout's chunk.
const ShortcutsHelp = lazy(async () => ({ default: (await import('@/app/shortcuts-help')).ShortcutsHelp }));
// Loaded when a request first needs it (403 reauthentication_required): zod and the query client come with it.
const ReauthenticateDialog = lazy(async () => ({ default: (await import('@/components/reauthenticate-dialog')).ReauthenticateDialog }));
// Loaded when the user signs out (unless a page brought it already): the sign-out and its wait for the other tabs'
// work stay out of the layout's chunk. Not loaded (offline): the sign-out could not have been made either.
const signOut = () => import('@/lib/sign-out').then((module) => module.signOut(), () => false);

export function AppLayout() {
  const user = useCurrentUser();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutFailed, setSignOutFailed] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  // "Tasks" goes back to the list as it was left (filters, sort, page) in this tab.
  const tasksSearch = useRememberedSearch('/tasks');
  // A sensitive request refused for want of a recent sign-in waits for this prompt, then is sent again.
  const reauthentication = useReauthenticationPrompt();
  useShortcuts({
    '?': () => setHelpOpen(true),
    // Undo (or whatever the newest toast offers), without hunting for its button.
    u: () => {
      const toast = latestActionToast();
      if (toast) actOnToast(toast.id);
    },
  });

  async function onSignOut() {
    setSigningOut(true);
    setSignOutFailed(false);
    // On success this layout unmounts (the session ended); on failure nothing changed but this.
    if (!(await signOut())) {
      setSigningOut(false);
      setSignOutFailed(true);
    }
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link to="/" className="brand" aria-label={`${APP_NAME} home`}>
            <span className="brand__mark" aria-hidden="true">✓</span>
            <span className="brand__name">{APP_NAME}</span>
          </Link>
          <nav className="nav" aria-label="Main">
            {NAV.map((item) => (
              <NavLink
                key={item.to}
                to={item.to === '/tasks' ? { pathname: item.to, search: tasksSearch } : item.to}
                end={item.end}
                className="nav__link"
              >
                {item.label}
              </NavLink>
            ))}
          </nav>
          <UserMenu>
            <button type="button" className="button button--ghost button--small topbar__shortcuts" aria-keyshortcuts="?" onClick={() => setHelpOpen(true)}>
              Shortcuts
            </button>
            <ThemeSelect />
            {/* Cut with an ellipsis when long: the title says it whole. */}
            <span className="topbar__name" title={user.name ? `${user.name} (${user.email})` : user.email}>
              {user.name || user.email}
            </span>
            <BusyButton className="button button--secondary button--small" busy={signingOut} onClick={() => void onSignOut()}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </BusyButton>
          </UserMenu>
        </div>
      </header>
      <OfflineBanner />
      <div className="topbar__alert">
        <FormAlert messages={signOutFailed ? ['Could not sign out. Try again.'] : []} />
      </div>
      <main className="content" id="main" tabIndex={-1}>
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <Toaster />
      <Announcer />
      {reauthentication ? (
        <Suspense fallback={null}>
          <ReauthenticateDialog prompt={reauthentication} />
        </Suspense>
      ) : null}
      {helpOpen ? (
        <Suspense fallback={null}>
          <ShortcutsHelp onClose={() => setHelpOpen(false)} />
        </Suspense>
      ) : null}
    </div>
  );
}
