/** The tasks page's single-key shortcuts, as the `?` help lists them (the page binds the same keys). */
export const TASK_SHORTCUTS: readonly { keys: readonly string[]; action: string }[] = [
  { keys: ['/'], action: 'Search' },
  { keys: ['n'], action: 'New task' },
  { keys: ['j', 'k'], action: 'Next / previous task' },
  { keys: ['x'], action: 'Select the task (or unselect it)' },
  { keys: ['e'], action: 'Edit the task' },
  { keys: ['c'], action: 'Complete the task (or reopen it)' },
  { keys: ['d'], action: 'Delete the task' },
  { keys: ['b'], action: 'Go to the actions on the selected tasks' },
];
