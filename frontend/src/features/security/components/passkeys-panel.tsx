import { useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { BusyButton, EmptyState, FormAlert } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { formatDateTime, formatRelative } from '@/lib/format';
import type { Passkey } from '@/lib/mfa-status';
import { showToast } from '@/lib/toasts';
import { passkeyFailureMessage, passkeysSupported } from '@/lib/webauthn';
import { type CreatedPasskey, useAddPasskey, useCreatePasskeyCredential } from '@/features/security/api/add-passkey';
import { useDeletePasskey } from '@/features/security/api/delete-passkey';
import { useRenamePasskey } from '@/features/security/api/rename-passkey';
import { PasskeyNameDialog } from '@/features/security/components/passkey-name-dialog';

const DEFAULT_NAME = 'Passkey';

interface PasskeysPanelProps {
  passkeys: Passkey[];
  onRecoveryCodes: (codes: string[]) => void;
}

/**
 * The account's passkeys: add one (the browser creates it, then it is named and saved), rename, delete.
 * A passkey is a second factor, and signs in without a password when it is discoverable.
 */
export function PasskeysPanel({ passkeys, onRecoveryCodes }: PasskeysPanelProps) {
  const create = useCreatePasskeyCredential();
  const add = useAddPasskey();
  const rename = useRenamePasskey();
  const remove = useDeletePasskey();
  // Created by the browser, waiting for its name before the server saves it.
  const [created, setCreated] = useState<CreatedPasskey | null>(null);
  const [renaming, setRenaming] = useState<Passkey | null>(null);
  const [deleting, setDeleting] = useState<Passkey | null>(null);
  const supported = passkeysSupported();
  const createFailure = create.error ? (passkeyFailureMessage(create.error) ?? errorMessage(create.error)) : null;

  function startAdding() {
    add.reset();
    create.mutate(undefined, { onSuccess: setCreated });
  }

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="passkeys-title">Passkeys</h2>
          <p className="card__subtitle">Sign in with your fingerprint, face, screen lock or a security key, with or without your password.</p>
        </div>
        {supported ? (
          <BusyButton className="button button--primary" busy={create.isPending} onClick={startAdding}>
            {create.isPending ? 'Waiting for your passkey…' : 'Add a passkey'}
          </BusyButton>
        ) : null}
      </div>
      {supported ? null : <p className="card__subtitle">This browser cannot create or use passkeys.</p>}
      <FormAlert messages={createFailure ? [createFailure] : []} />
      {passkeys.length === 0 ? (
        <EmptyState title="No passkeys yet." />
      ) : (
        <ul className="sessions" aria-label="Your passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id} className="session" data-testid="passkey-row">
              <div className="session__main">
                <p className="session__device">
                  {passkey.name}
                  {passkey.backed_up ? <span className="badge badge--verified">Synced</span> : null}
                </p>
                <p className="session__meta">
                  <span>Added {formatDateTime(passkey.created_at)}</span>
                  <span>
                    {passkey.last_used_at ? (
                      <>
                        Last used <time dateTime={passkey.last_used_at} title={formatDateTime(passkey.last_used_at)}>{formatRelative(passkey.last_used_at)}</time>
                      </>
                    ) : (
                      'Never used'
                    )}
                  </span>
                </p>
              </div>
              <div className="row">
                <button
                  type="button"
                  className="button button--secondary button--small"
                  aria-label={`Rename ${passkey.name}`}
                  onClick={() => {
                    rename.reset();
                    setRenaming(passkey);
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  className="button button--ghost-danger button--small"
                  aria-label={`Delete ${passkey.name}`}
                  onClick={() => {
                    remove.reset();
                    setDeleting(passkey);
                  }}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {created ? (
        <PasskeyNameDialog
          title="Name your passkey"
          description="The name helps you tell your passkeys apart here."
          initial={DEFAULT_NAME}
          submitLabel="Save passkey"
          pending={add.isPending}
          error={add.error}
          onSubmit={(name) =>
            add.mutate(
              { created, name },
              {
                onSuccess: ({ recovery_codes }) => {
                  setCreated(null);
                  showToast({ message: `Passkey “${name}” added.` });
                  onRecoveryCodes(recovery_codes);
                },
              },
            )
          }
          onCancel={() => setCreated(null)}
        />
      ) : null}
      {renaming ? (
        <PasskeyNameDialog
          title="Rename passkey"
          description={`A new name for “${renaming.name}”.`}
          initial={renaming.name}
          submitLabel="Rename"
          pending={rename.isPending}
          error={rename.error}
          onSubmit={(name) => rename.mutate({ id: renaming.id, name }, { onSuccess: () => setRenaming(null) })}
          onCancel={() => setRenaming(null)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete this passkey?"
          description={`“${deleting.name}” will no longer sign in to your account. Remove it from the device or password manager as well.`}
          confirmLabel="Delete passkey"
          pending={remove.isPending}
          error={remove.error ? `Could not delete the passkey: ${errorMessage(remove.error)}` : null}
          onConfirm={() =>
            remove.mutate(deleting.id, {
              onSuccess: () => {
                setDeleting(null);
                showToast({ message: `Passkey “${deleting.name}” deleted.` });
              },
            })
          }
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </section>
  );
}
