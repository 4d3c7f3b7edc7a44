import { useState } from 'react';
import { Dialog } from '@/components/dialog';
import { FormAlert } from '@/components/feedback';
import { ChoiceOptions } from '@/features/tasks/components/choice-options';
import { SelectField, TextAreaField, TextField } from '@/components/field';
import { useForm } from '@/lib/use-form';
import { useCreateTask } from '@/features/tasks/api/create-task';
import { TaskInputSchema, changedFields } from '@/features/tasks/api/task-input';
import { useTask } from '@/features/tasks/api/get-task';
import { useUpdateTask } from '@/features/tasks/api/update-task';
import { ApiError } from '@/lib/api-error';
import type { Task } from '@/features/tasks/types';
import { PRIORITY_LABELS, STATUS_LABELS, TASK_PRIORITIES, TASK_STATUSES } from '@/types/task';

interface TaskFormDialogProps {
  /** The task to edit; none to create one. */
  task?: Task | undefined;
  onClose: () => void;
}

/** Create or edit a task; the API's `{"field": [...]}` errors appear under their fields. */
export function TaskFormDialog({ task, onClose }: TaskFormDialogProps) {
  const create = useCreateTask();
  const update = useUpdateTask();
  // The version the user is editing: the ETag from the task's own GET (the list has none).
  const detail = useTask(task?.id);
  // After a 412: the version the server reported ('' if none), so the next save overwrites on purpose.
  const [overwrite, setOverwrite] = useState<string | undefined>(undefined);
  const currentEtag = overwrite ?? detail.data?.etag ?? null;
  const changedSinceList = detail.data !== undefined && detail.data.data.updated_at !== task?.updated_at;
  const stale = changedSinceList || (update.error instanceof ApiError && update.error.status === 412);
  const mutation = task ? update : create;
  const initial = {
    title: task?.title ?? '',
    description: task?.description ?? '',
    status: task?.status ?? 'todo',
    priority: task?.priority ?? 'medium',
    due_date: task?.due_date ?? '',
  };
  const form = useForm(
    TaskInputSchema,
    initial,
    (data) => {
      if (!task) return create.mutate(data, { onSuccess: onClose });
      const before = TaskInputSchema.safeParse(initial);
      const patch = before.success ? changedFields(before.data, data) : data;
      if (Object.keys(patch).length === 0) return onClose();
      update.mutate(
        { id: task.id, patch, etag: currentEtag },
        {
          onSuccess: onClose,
          onError: (error) => {
            if (error instanceof ApiError && error.status === 412) setOverwrite(error.headers.get('ETag') ?? '');
          },
        },
      );
    },
    mutation.error,
  );

  return (
    <Dialog title={task ? 'Edit task' : 'New task'} onClose={onClose}>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <FormAlert
          messages={stale ? ['This task changed elsewhere. Save again to overwrite those changes, or cancel to keep them.'] : form.formErrors}
        />
        <TextField label="Title" required maxLength={200} {...form.bind('title')} errors={form.errors('title')} />
        <TextAreaField label="Description" rows={3} {...form.bind('description')} errors={form.errors('description')} />
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
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={mutation.isPending}>
            {mutation.isPending ? 'Saving…' : task ? 'Save changes' : 'Create task'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
