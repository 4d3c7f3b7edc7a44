import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { ConfirmDialog, Dialog } from '@/components/dialog';
import { BusyButton, FormAlert } from '@/components/feedback';
import { ChoiceOptions } from '@/features/tasks/components/choice-options';
import { SelectField, TextAreaField, TextField } from '@/components/field';
import { useForm } from '@/lib/use-form';
import { useBackClosesDialog } from '@/features/tasks/hooks/use-back-closes-dialog';
import { NEW_TASK_DRAFT, type TaskDraft, useDraftClose, useKeptDraft } from '@/features/tasks/task-drafts';
import { useCreateTask } from '@/features/tasks/api/create-task';
import { TaskInputSchema, changedFields } from '@/features/tasks/api/task-input';
import { taskQueryOptions, useTask } from '@/features/tasks/api/get-task';
import { putSavedTask, useUpdateTask } from '@/features/tasks/api/update-task';
import { ApiError, errorMessage } from '@/lib/api-error';
import { showToast } from '@/lib/toasts';
import type { Task } from '@/features/tasks/types';
import { PRIORITY_LABELS, STATUS_LABELS, TASK_PRIORITIES, TASK_STATUSES } from '@/types/task';

interface TaskFormDialogProps {
  /** The task to edit; none to create one. */
  task?: Task | undefined;
  /** The signed-in account: the dialog's draft is kept for it (features/tasks/task-drafts.ts). */
  userId: string;
  /** A draft kept from before (the session ended mid-form) to start from: its values, over the version it began from. */
  draft?: TaskDraft | undefined;
  onClose: () => void;
}

const RESTORED = 'Your unsaved changes from before are back: check them, then save.';

type FormValues = ReturnType<typeof formValues>;

/** A task as the form's string fields. */
function formValues(task?: Task) {
  return {
    title: task?.title ?? '',
    description: task?.description ?? '',
    status: task?.status ?? 'todo',
    priority: task?.priority ?? 'medium',
    due_date: task?.due_date ?? '',
  };
}

/**
 * The dialog, guarding changes not saved yet: closing it then (Escape, the backdrop, ×, Cancel, the browser's Back)
 * asks first, and so does closing or reloading the tab. `dirty`: the form differs from what it started from.
 */
function GuardedDialog({
  title,
  description,
  dirty,
  onClose,
  children,
}: {
  title: ReactNode;
  description?: string | undefined;
  dirty: boolean;
  onClose: () => void;
  children: (requestClose: () => void) => ReactNode;
}) {
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  function requestClose() {
    if (dirty) setAsking(true);
    else onClose();
  }

  // Back: the same as closing, but the entry it took away comes back while the dialog asks (or stays).
  useBackClosesDialog(() => {
    requestClose();
    return dirty ? 'stay' : 'close';
  });

  return (
    <>
      <Dialog title={title} description={description} onClose={requestClose}>
        {children(requestClose)}
      </Dialog>
      {asking ? (
        <ConfirmDialog
          title="Discard your changes?"
          description="What you changed in this task has not been saved."
          confirmLabel="Discard changes"
          onConfirm={onClose}
          onCancel={() => setAsking(false)}
        />
      ) : null}
    </>
  );
}

/** The form's values differ from `start`. */
function differs(values: FormValues, start: FormValues): boolean {
  return (Object.keys(start) as (keyof FormValues)[]).some((key) => values[key] !== start[key]);
}

/** Create or edit a task; the API's `{"field": [...]}` errors appear under their fields. */
export function TaskFormDialog({ task, userId, draft, onClose }: TaskFormDialogProps) {
  return task ? (
    <EditTaskDialog task={task} userId={userId} draft={draft} onClose={onClose} />
  ) : (
    <CreateTaskDialog userId={userId} draft={draft} onClose={onClose} />
  );
}

type DialogProps = Omit<TaskFormDialogProps, 'task'>;

function CreateTaskDialog({ userId, draft, onClose: close }: DialogProps) {
  // Closed: a create retry still waiting for its turn is not sent (nothing is sent for a dialog the user closed).
  const closed = useRef(false);
  useEffect(() => {
    closed.current = false; // StrictMode mounts twice
    return () => {
      closed.current = true;
    };
  }, []);
  const create = useCreateTask(() => closed.current);
  const draftClose = useDraftClose(userId, NEW_TASK_DRAFT, close);
  const onClose = draftClose.onClose;
  const form = useForm(
    TaskInputSchema,
    draft?.values ?? formValues(),
    (data) =>
      create.mutate(data, {
        onSuccess: (task) => {
          showToast({ message: <>Created “<bdi>{task.title}</bdi>”.</> });
          onClose();
        },
      }),
    create.error,
  );
  const dirty = differs(form.values, formValues());
  useKeptDraft(userId, NEW_TASK_DRAFT, dirty ? { values: form.values, base: null } : null, draftClose.closed);
  return (
    <GuardedDialog title="New task" description={draft ? RESTORED : undefined} dirty={dirty} onClose={onClose}>
      {(requestClose) => (
        <TaskForm form={form} messages={form.formErrors} pending={create.isPending} submitLabel="Create task" onCancel={requestClose} />
      )}
    </GuardedDialog>
  );
}

const CHANGED_ELSEWHERE =
  'This task changed elsewhere. The form now shows the latest version, with your changes kept: check them, then save again.';

const FIELD_LABELS: Record<keyof FormValues, string> = { title: 'Title', description: 'Description', status: 'Status', priority: 'Priority', due_date: 'Due date' };

/** The notice, naming the fields to check: the user cannot tell otherwise what moved under them, nor where their value won. */
function changedElsewhere(theirs: (keyof FormValues)[], yours: (keyof FormValues)[]): string {
  const names = (keys: (keyof FormValues)[]) => keys.map((key) => FIELD_LABELS[key]).join(', ');
  const both = theirs.filter((key) => yours.includes(key));
  return [
    CHANGED_ELSEWHERE,
    theirs.length ? `Changed elsewhere: ${names(theirs)}.` : '',
    both.length ? `Your change replaces theirs in: ${names(both)}.` : '',
  ].filter(Boolean).join(' ');
}

/**
 * Edit a task against the version the server has. The list's copy fills the form at once; the
 * task's own GET brings its ETag, sent as If-Match, and Save waits for it. When a newer version
 * arrives (that GET, or the refetch after a 412), the form moves onto it and keeps what the user
 * changed, so it never shows stale values nor saves over changes it did not show.
 */
function EditTaskDialog({ task: listed, userId, draft, onClose: close }: DialogProps & { task: Task }) {
  // A draft kept from before starts from the version it began from: what the user changed is told from what changed
  // elsewhere since, and moved onto the latest version as below (with the notice naming what changed elsewhere).
  const task = draft?.base ?? listed;
  const draftClose = useDraftClose(userId, task.id, close);
  const onClose = draftClose.onClose;
  const client = useQueryClient();
  const update = useUpdateTask();
  const detail = useTask(task.id);
  // The version the form's values started from, with its ETag once the task's own GET told it.
  const [base, setBase] = useState<{ task: Task; etag: string | null }>({ task, etag: null });
  const [notice, setNotice] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  // A save was refused (412) and the newer version is being reloaded: it may hold the save already made.
  const [reloadingAfterRefusal, setReloadingAfterRefusal] = useState(false);
  // That version, found to hold exactly what the form shows: saved (below).
  const [foundSaved, setFoundSaved] = useState<{ data: Task; etag: string | null } | null>(null);

  async function save(data: ReturnType<typeof TaskInputSchema.parse>) {
    setLoadError(null);
    let { etag } = base;
    if (etag === null) {
      // The task's own GET has not answered yet: wait for it (the request in flight, not a second one).
      setWaiting(true);
      try {
        const fetched = await client.fetchQuery({ ...taskQueryOptions(task.id), staleTime: Infinity });
        // A version newer than the form's: the render above moves the form onto it; the user saves again.
        if (fetched.data.updated_at !== base.task.updated_at) return;
        etag = fetched.etag;
      } catch (error) {
        setLoadError(error);
        return;
      } finally {
        setWaiting(false);
      }
    }
    const previous = TaskInputSchema.safeParse(formValues(base.task));
    const patch = previous.success ? changedFields(previous.data, data) : data;
    if (Object.keys(patch).length === 0) return onClose();
    setNotice(null);
    setReloadingAfterRefusal(false);
    update.mutate(
      { id: task.id, patch, etag },
      {
        onSuccess: (saved) => {
          showToast({ message: <>Saved “<bdi>{saved.data.title}</bdi>”.</> });
          onClose();
        },
        onError: async (error) => {
          if (!(error instanceof ApiError && error.status === 412)) return;
          // Someone saved a newer version: fetch it, and the form moves onto it. Save waits for it (it would be
          // refused again, with the same ETag).
          setReloadingAfterRefusal(true);
          setWaiting(true);
          await detail.refetch();
          setWaiting(false);
          // Landed (or failed, which then says so), whatever it brought: "Loading the latest version…" is over.
          update.reset();
        },
      },
    );
  }

  const form = useForm(TaskInputSchema, draft?.values ?? formValues(task), (data) => void save(data), update.error);

  // A newer version arrived: move the form onto it (state adjusted while rendering).
  const latest = detail.data;
  if (latest && (latest.etag !== base.etag || latest.data.updated_at !== base.task.updated_at)) {
    const before = formValues(base.task);
    const edits = Object.fromEntries(
      (Object.keys(before) as (keyof FormValues)[]).filter((key) => form.values[key] !== before[key]).map((key) => [key, form.values[key]]),
    );
    const changed = latest.data.updated_at !== base.task.updated_at;
    const after = formValues(latest.data);
    const theirs = (Object.keys(before) as (keyof FormValues)[]).filter((key) => after[key] !== before[key]);
    // A version that already holds every value the form shows leaves the user nothing to check: it is their own
    // save coming back (its answer, or a refetch of it), or a change elsewhere identical to theirs.
    const nothingToCheck = !differs(form.values, after);
    setBase({ task: latest.data, etag: latest.etag });
    form.setValues({ ...after, ...edits });
    if (changed && Object.keys(edits).length > 0 && !nothingToCheck) setNotice(changedElsewhere(theirs, Object.keys(edits) as (keyof FormValues)[]));
    // The version a refused save reloaded holds every value the form shows: they were saved already, by a save whose
    // answer was lost (Save pressed again, with the ETag of the version before it), or someone made the very same
    // change. Saved, then, as if the refused save had been.
    if (reloadingAfterRefusal) {
      setReloadingAfterRefusal(false);
      if (changed && nothingToCheck) setFoundSaved(latest);
    }
  }

  const dirty = differs(form.values, formValues(base.task));
  useKeptDraft(userId, task.id, dirty ? { values: form.values, base: base.task } : null, draftClose.closed);

  // Outside the render: the saved version into the lists, and the same "Saved" as a save's own answer.
  useEffect(() => {
    if (!foundSaved) return;
    putSavedTask(client, foundSaved);
    showToast({ message: <>Saved “<bdi>{foundSaved.data.title}</bdi>”.</> });
    onClose();
  }, [foundSaved, client, onClose]);

  const precondition = update.error instanceof ApiError && update.error.status === 412;
  // The task's own GET failed (on opening, or while Save waited for it): say so, whatever the moment.
  const failedLoad = loadError ?? (detail.isError ? detail.error : null);
  const messages = failedLoad
    ? [failedLoad instanceof ApiError && failedLoad.status === 404 ? 'This task no longer exists: it was deleted elsewhere.' : errorMessage(failedLoad)]
    : notice
      ? [notice]
      : precondition
        ? ['This task changed elsewhere. Loading the latest version…']
        : form.formErrors;

  return (
    // Named by the task it edits (its saved title: the one in the list), isolated, as any title from the user in a sentence.
    <GuardedDialog
      title={
        <>
          Edit “<bdi>{base.task.title}</bdi>”
        </>
      }
      description={draft ? RESTORED : undefined}
      dirty={dirty}
      onClose={onClose}
    >
      {(requestClose) => (
        <TaskForm form={form} messages={messages} pending={update.isPending || waiting} submitLabel="Save changes" onCancel={requestClose} />
      )}
    </GuardedDialog>
  );
}

interface TaskFormProps {
  form: ReturnType<typeof useForm<FormValues, ReturnType<typeof TaskInputSchema.parse>>>;
  messages: string[];
  pending: boolean;
  submitLabel: string;
  onCancel: () => void;
}

function TaskForm({ form, messages, pending, submitLabel, onCancel }: TaskFormProps) {
  return (
    <form className="stack" onSubmit={form.onSubmit} noValidate>
      <FormAlert messages={messages} />
      {/* No maxLength: it counts UTF-16 units, two for an emoji, where the API counts 200 characters (the schema checks that). */}
      <TextField label="Title" required dir="auto" {...form.bind('title')} errors={form.errors('title')} />
      <TextAreaField label="Description" rows={3} dir="auto" {...form.bind('description')} errors={form.errors('description')} />
      <div className="grid-2">
        <SelectField label="Status" {...form.bind('status')} errors={form.errors('status')}>
          <ChoiceOptions values={TASK_STATUSES} labels={STATUS_LABELS} />
        </SelectField>
        <SelectField label="Priority" {...form.bind('priority')} errors={form.errors('priority')}>
          <ChoiceOptions values={TASK_PRIORITIES} labels={PRIORITY_LABELS} />
        </SelectField>
      </div>
      <TextField label="Due date" type="date" {...form.bind('due_date')} errors={form.errors('due_date')} />
      <div className="dialog__actions">
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
        <BusyButton type="submit" className="button button--primary" busy={pending}>
          {pending ? 'Saving…' : submitLabel}
        </BusyButton>
      </div>
    </form>
  );
}
