import { Dialog } from '@/components/dialog';
import { setShortcutsEnabled, useShortcutsEnabled } from '@/lib/shortcuts';
import { TASK_SHORTCUTS } from '@/features/tasks/shortcuts';

const GROUPS = [
  {
    title: 'Anywhere',
    shortcuts: [
      { keys: ['?'], action: 'Show these shortcuts' },
      { keys: ['u'], action: 'Undo, when a message offers it' },
    ],
  },
  { title: 'Tasks', shortcuts: TASK_SHORTCUTS },
];

/** The `?` dialog: every single-key shortcut, and the switch that turns them off on this device. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const enabled = useShortcutsEnabled();
  return (
    <Dialog
      title="Keyboard shortcuts"
      description="Single keys, when you are not typing in a field. The task shortcuts act on the task that has the focus."
      onClose={onClose}
    >
      <div className="stack">
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(event) => setShortcutsEnabled(event.target.checked)} />
          Use single-key shortcuts on this device
        </label>
        {GROUPS.map((group) => (
          <section key={group.title} aria-labelledby={`shortcuts-${group.title}`}>
            <h3 className="shortcuts__title" id={`shortcuts-${group.title}`}>
              {group.title}
            </h3>
            <dl className="shortcuts">
              {group.shortcuts.map(({ keys, action }) => (
                <div key={action} className="shortcuts__row">
                  <dt>
                    {keys.map((key, index) => (
                      <span key={key}>
                        {index > 0 ? ' / ' : null}
                        <kbd>{key}</kbd>
                      </span>
                    ))}
                  </dt>
                  <dd>{action}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
