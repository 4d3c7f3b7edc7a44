import { QueryClientProvider } from '@tanstack/react-query';
import { useEffect } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { routes } from '@/app/routes';
import { queryClient } from '@/lib/query-client';
import { connectSession, restoreSession } from '@/lib/session';

const router = createBrowserRouter(routes);

export function App() {
  useEffect(() => {
    const disconnect = connectSession();
    void restoreSession();
    return disconnect;
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
