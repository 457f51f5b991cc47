/** The web app's entry: providers, then the route table. */
import '@mantine/core/styles.css';
import './app.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { sweepSaved } from './records/save.ts';
import { router } from './routes.tsx';
import { endLeftoverSession } from './session/keyring.ts';
import { setLockReason } from './session/lock-reason.ts';
import { takeSetupToken } from './session/setup-token.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    // Errors show at once with a retry button; a refused request is not repeated behind the user's back.
    queries: { retry: 1, refetchOnWindowFocus: false },
    mutations: { retry: false },
  },
});

takeSetupToken();
setLockReason(await endLeftoverSession());
// Decrypted files an earlier page saved through the private file system and could not remove before it closed.
if (typeof navigator.storage?.getDirectory === 'function') void sweepSaved().catch(() => {});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* No <style> elements (the CSP allows none): so the default theme, whose variables are in Mantine's stylesheet. */}
    <MantineProvider withCssVariables={false} withGlobalClasses={false} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
