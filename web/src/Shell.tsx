/** The frame of every page: the header with the user and Log out, the node's set-up notice, the page (lazy, behind a Suspense fallback). */
import { Alert, Anchor, Button, Container, Group, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { Loading } from './components/States.tsx';
import { lock, type Unlocked } from './session/keyring.ts';
import { useMe } from './session/use-me.ts';
import { pageApi } from './session/login-flow.ts';
import { useIdleLock, useUnlocked } from './session/use-session.ts';

export function Shell() {
  const unlocked = useUnlocked();
  useIdleLock(unlocked);
  const location = useLocation();
  const status = useQuery({ queryKey: ['status'], queryFn: () => pageApi().call('status') });
  const awaitingSetup = status.data !== undefined && status.data.setup !== 'complete' && location.pathname !== '/setup';

  return (
    <>
      <header className="dhl-header">
        <Container size="lg">
          <Group justify="space-between" py="sm">
            <Anchor component={Link} to={unlocked ? '/account' : '/'} underline="never" c="inherit">
              <Title order={2} size="h4">
                Dynamic Health Ledger
              </Title>
            </Anchor>
            {unlocked ? (
              <Group gap="sm">
                <MainNav unlocked={unlocked} />
                <Text size="sm" aria-label="logged in as">
                  {unlocked.username}
                </Text>
                <Button size="xs" variant="default" onClick={() => void lock('logout')}>
                  Log out
                </Button>
              </Group>
            ) : null}
          </Group>
        </Container>
      </header>
      <Container size="lg" py="lg" component="main">
        {awaitingSetup ? (
          <Alert color="yellow" title="This node awaits its set-up" mb="md">
            Its first administrators open the one-time setup link the node printed when it started. Until then nobody can register or log in.
          </Alert>
        ) : null}
        <Suspense fallback={<Loading label="Loading…" />}>
          <Outlet />
        </Suspense>
      </Container>
    </>
  );
}

/** The pages this user has: everyone's own records, requests, grants, audit and notifications; a doctor's directory, requests and shared records; an admin's enrolment, organisation users and the node's refused actions; everyone's node status and ledger explorer. */
function MainNav({ unlocked }: { unlocked: Unlocked }) {
  const { roles } = useMe(unlocked);
  const links: [string, string][] = [
    ['/records', 'My records'],
    ['/upload', 'Upload'],
    ['/requests', 'Requests for me'],
    ['/access', 'Who may open'],
    ['/audit', 'Audit'],
    ['/notifications', 'Notifications'],
    ...(roles.doctorOrg ? ([['/directory', 'Directory'], ['/my-requests', 'My requests'], ['/shared', 'Shared with me'], ['/contribute', 'Add to a chart']] as [string, string][]) : []),
    ...(roles.adminOrg ? ([['/admin/enrol', 'Enrol doctors'], ['/admin/users', 'Organisation users'], ['/admin/refusals', 'Refused actions']] as [string, string][]) : []),
    // Every session may read the head and the blocks (docs/security.md), so every user has these two.
    ['/status', 'Node status'],
    ['/ledger', 'Ledger'],
    ['/account', 'Account'],
  ];
  return (
    <nav aria-label="main">
      <Group gap="sm">
        {links.map(([to, label]) => (
          <Anchor key={to} component={NavLink} to={to}>
            {label}
          </Anchor>
        ))}
      </Group>
    </nav>
  );
}
