import { Link } from 'react-router';
import { ErrorState, Spinner } from '@/components/feedback';
import { PageHeading } from '@/components/page-heading';
import { RefreshFailed } from '@/components/refresh-failed';
import { errorMessage } from '@/lib/api-error';
import { useCurrentUser } from '@/lib/session';
import { PRIORITY_LABELS, STATUS_LABELS, TASK_PRIORITIES, TASK_STATUSES } from '@/types/task';
import { type TaskStats, useTaskStats } from '@/features/dashboard/api/get-task-stats';
import { BarChart, DayColumnChart } from '@/features/dashboard/components/charts';

function StatCard({ label, value, detail, tone }: { label: string; value: number | string; detail: string; tone?: string }) {
  return (
    <div className={`stat${tone ? ` stat--${tone}` : ''}`} data-testid={`stat-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <p className="stat__label">{label}</p>
      <p className="stat__value">{value}</p>
      <p className="stat__detail">{detail}</p>
    </div>
  );
}

/** The two category charts: tasks by status and by priority. */
function breakdowns(stats: TaskStats) {
  return [
    {
      id: 'chart-status',
      heading: 'By status',
      title: 'Tasks by status',
      data: TASK_STATUSES.map((status) => ({ key: status, label: STATUS_LABELS[status], value: stats.by_status[status] })),
    },
    {
      id: 'chart-priority',
      heading: 'By priority',
      title: 'Tasks by priority',
      // Highest first: the priority that needs attention leads.
      data: [...TASK_PRIORITIES].reverse().map((priority) => ({
        key: priority,
        label: PRIORITY_LABELS[priority],
        value: stats.by_priority[priority],
      })),
    },
  ];
}

export function DashboardPage() {
  const user = useCurrentUser();
  const stats = useTaskStats();
  const firstName = (user.name || user.email).split(/[\s@]/)[0];

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <PageHeading title="Dashboard">
            Hello, <bdi>{firstName}</bdi>
          </PageHeading>
          <p className="page__subtitle">Here is where your tasks stand.</p>
        </div>
        <Link className="button button--primary" to="/tasks">
          View tasks
        </Link>
      </header>
      {/* TanStack Query keeps the data when a refresh fails (isError with data): the full error only while there is none. */}
      {stats.data === undefined ? (
        stats.isError ? (
          <ErrorState message={`Could not load your statistics. ${errorMessage(stats.error)}`} onRetry={() => void stats.refetch()} />
        ) : (
          <Spinner label="Loading statistics…" />
        )
      ) : (
        <>
          <RefreshFailed failed={stats.isError} retrying={stats.isFetching} onRetry={() => void stats.refetch()} />
          <section className="stats" aria-label="Summary">
            <StatCard label="Total tasks" value={stats.data.total} detail="All tasks you own" />
            <StatCard
              label="Completed"
              value={stats.data.by_status.done}
              detail={stats.data.total ? `${Math.round((stats.data.by_status.done / stats.data.total) * 100)}% of all tasks` : 'Nothing yet'}
              tone="success"
            />
            <StatCard label="In progress" value={stats.data.by_status.in_progress} detail={`${stats.data.by_status.todo} still to do`} tone="info" />
            <StatCard label="Overdue" value={stats.data.overdue} detail="Past due and not done" tone={stats.data.overdue ? 'danger' : undefined} />
          </section>
          <div className="chart-grid">
            {breakdowns(stats.data).map(({ id, heading, title, data }) => (
              <section key={id} className="card" aria-labelledby={id}>
                <h2 className="card__title" id={id}>
                  {heading}
                </h2>
                <BarChart title={title} data={data} />
              </section>
            ))}
            <section className="card chart-grid__wide" aria-labelledby="chart-days">
              <h2 className="card__title" id="chart-days">Completed per day, last 14 days</h2>
              <DayColumnChart title="Tasks completed per day" data={stats.data.completed_per_day} />
            </section>
          </div>
        </>
      )}
    </div>
  );
}
