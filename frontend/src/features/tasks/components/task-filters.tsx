import type { Ref } from 'react';
import { ChoiceOptions } from '@/features/tasks/components/choice-options';
import { SelectField, TextField } from '@/components/field';
import { ORDERINGS, type Ordering, type TaskListParams } from '@/features/tasks/types';
import { PRIORITY_LABELS, STATUS_LABELS, TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '@/types/task';

interface TaskFiltersProps {
  params: TaskListParams;
  searchInput: string;
  onSearchInput: (value: string) => void;
  onChange: (changes: Partial<TaskListParams>) => void;
  hasFilters: boolean;
  onClear: () => void;
  /** The search box, for the page to move the focus to it (the `/` shortcut, after clearing the filters). */
  searchRef?: Ref<HTMLInputElement>;
}

export function TaskFilters({ params, searchInput, onSearchInput, onChange, hasFilters, onClear, searchRef }: TaskFiltersProps) {
  return (
    <div className="filters" role="search" aria-label="Filter tasks">
      <div className="filters__search">
        <TextField
          ref={searchRef}
          label="Search"
          type="search"
          placeholder="Title or description"
          maxLength={100}
          value={searchInput}
          onChange={(event) => onSearchInput(event.target.value)}
        />
      </div>
      <SelectField label="Status" value={params.status} onChange={(event) => onChange({ status: event.target.value as TaskStatus | '' })}>
        <option value="">Any status</option>
        <ChoiceOptions values={TASK_STATUSES} labels={STATUS_LABELS} />
      </SelectField>
      <SelectField
        label="Priority"
        value={params.priority}
        onChange={(event) => onChange({ priority: event.target.value as TaskPriority | '' })}
      >
        <option value="">Any priority</option>
        <ChoiceOptions values={TASK_PRIORITIES} labels={PRIORITY_LABELS} />
      </SelectField>
      <SelectField label="Sort by" value={params.ordering} onChange={(event) => onChange({ ordering: event.target.value as Ordering })}>
        {Object.entries(ORDERINGS).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </SelectField>
      <div className="filters__toggles">
        <label className="checkbox">
          <input type="checkbox" checked={params.overdue} onChange={(event) => onChange({ overdue: event.target.checked })} />
          Overdue only
        </label>
        {hasFilters ? (
          <button type="button" className="button button--ghost" onClick={onClear}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}
