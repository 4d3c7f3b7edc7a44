import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '@/app/app';
import { preloadPage } from '@/app/routes';
import '@/app/styles.css';
import { followTheme } from '@/lib/theme';

// The theme chosen on this device, before anything renders (no flash of the other theme).
followTheme();
// The page's chunk loads while the session is restored, not after.
preloadPage(window.location.pathname);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
