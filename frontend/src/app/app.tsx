import { useEffect } from 'react';
import { BrowserRouter } from 'react-router';
import { AppRoutes } from '@/app/routes';
import { connectSession, restoreSession } from '@/lib/session';

/**
 * The declarative router (BrowserRouter + useRoutes), not the data router: the app loads no data in
 * routes, and the data router would cost about 17 kB more of boot JavaScript (docs/architecture.md).
 */
export function App() {
  useEffect(() => {
    const disconnect = connectSession();
    void restoreSession();
    return disconnect;
  }, []);
  return (
    <BrowserRouter>
      <AppRoutes />
    </BrowserRouter>
  );
}
