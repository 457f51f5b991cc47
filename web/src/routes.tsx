/**
 * The one route table (STYLE 12): every page, its guard, the error element
 * and the lazy pages behind the shell's Suspense fallback.
 */
import { Alert, Anchor, Stack, Text, Title } from '@mantine/core';
import { lazy, type ComponentType } from 'react';
import { createBrowserRouter, isRouteErrorResponse, Link, Navigate, useRouteError } from 'react-router';
import { messageOf } from './errors.ts';
import type { Unlocked } from './session/keyring.ts';
import { useUnlocked } from './session/use-session.ts';
import { Shell } from './Shell.tsx';

const SetupPage = lazy(() => import('./pages/SetupPage.tsx'));
const RegisterPage = lazy(() => import('./pages/RegisterPage.tsx'));
const LoginPage = lazy(() => import('./pages/LoginPage.tsx'));
const AccountPage = lazy(() => import('./pages/AccountPage.tsx'));
const RecordsPage = lazy(() => import('./pages/patient/RecordsPage.tsx'));
const IncomingRequestsPage = lazy(() => import('./pages/patient/IncomingRequestsPage.tsx'));
const DirectoryPage = lazy(() => import('./pages/doctor/DirectoryPage.tsx'));
const MyRequestsPage = lazy(() => import('./pages/doctor/MyRequestsPage.tsx'));
const SharedWithMePage = lazy(() => import('./pages/doctor/SharedWithMePage.tsx'));
const UploadPage = lazy(() => import('./records/UploadPage.tsx'));
const VerifyPage = lazy(() => import('./records/VerifyPage.tsx'));
const AccessPage = lazy(() => import('./pages/patient/AccessPage.tsx'));
const AuditPage = lazy(() => import('./pages/patient/AuditPage.tsx'));
const NotificationsPage = lazy(() => import('./pages/NotificationsPage.tsx'));
const ContributePage = lazy(() => import('./pages/doctor/ContributePage.tsx'));
const EnrolDoctorPage = lazy(() => import('./pages/admin/EnrolDoctorPage.tsx'));
// Issue 22: the admin's users, node status and the ledger explorer.
const UsersPage = lazy(() => import('./pages/admin/UsersPage.tsx'));
const StatusPage = lazy(() => import('./pages/ledger/StatusPage.tsx'));
const ExplorerPage = lazy(() => import('./pages/ledger/ExplorerPage.tsx'));
const BlockPage = lazy(() => import('./pages/ledger/BlockPage.tsx'));
const RefusalsPage = lazy(() => import('./pages/admin/RefusalsPage.tsx'));

/** A page that needs the keys: without them (a new page, a lock), the login page. */
function withKeys(Page: ComponentType<{ unlocked: Unlocked }>) {
  return function Guarded() {
    const unlocked = useUnlocked();
    return unlocked ? <Page unlocked={unlocked} /> : <Navigate to="/login" replace />;
  };
}

function Landing() {
  return <Navigate to={useUnlocked() ? '/account' : '/login'} replace />;
}

function RouteError() {
  const error = useRouteError();
  return (
    <Alert color="red" title="Something went wrong on this page" role="alert" m="lg">
      <Stack gap="xs">
        <Text size="sm">{isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : messageOf(error)}</Text>
        <Anchor component={Link} to="/">
          Back to the start
        </Anchor>
      </Stack>
    </Alert>
  );
}

function NotFound() {
  return (
    <Stack>
      <Title order={1} size="h2">
        No such page
      </Title>
      <Anchor component={Link} to="/">
        Back to the start
      </Anchor>
    </Stack>
  );
}

export const router = createBrowserRouter([
  {
    path: '/',
    element: <Shell />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Landing /> },
      { path: 'setup', element: <SetupPage /> },
      { path: 'register', element: <RegisterPage /> },
      { path: 'login', element: <LoginPage /> },
      { path: 'account', Component: withKeys(AccountPage) },
      { path: 'records', Component: withKeys(RecordsPage) },
      { path: 'upload', Component: withKeys(UploadPage) },
      { path: 'records/:recordId/verify', Component: withKeys(VerifyPage) },
      { path: 'records/:recordId/new-version', Component: withKeys(UploadPage) },
      { path: 'requests', Component: withKeys(IncomingRequestsPage) },
      { path: 'access', Component: withKeys(AccessPage) },
      { path: 'audit', Component: withKeys(AuditPage) },
      { path: 'notifications', Component: withKeys(NotificationsPage) },
      { path: 'directory', Component: withKeys(DirectoryPage) },
      { path: 'my-requests', Component: withKeys(MyRequestsPage) },
      { path: 'shared', Component: withKeys(SharedWithMePage) },
      { path: 'contribute', Component: withKeys(ContributePage) },
      { path: 'admin/enrol', Component: withKeys(EnrolDoctorPage) },
      { path: 'admin/users', Component: withKeys(UsersPage) },
      { path: 'status', Component: withKeys(StatusPage) },
      { path: 'ledger', Component: withKeys(ExplorerPage) },
      { path: 'ledger/blocks/:height', Component: withKeys(BlockPage) },
      { path: 'admin/refusals', Component: withKeys(RefusalsPage) },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
