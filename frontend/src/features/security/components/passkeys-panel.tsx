import { useCallback, useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { EmptyState } from '@/components/feedback';
import { ApiError, errorMessage } from '@/lib/api-error';
import { formatDateTime, formatDay, formatRelative } from '@/lib/format';
import type { Passkey, WebAuthnAccount } from '@/lib/mfa-status';
import { showToast } from '@/lib/toasts';
import { useFocusAfterRemoval } from '@/lib/use-focus-after-removal';
import { passkeyFailureMessage, passkeysSupported, signalAccountPasskeys, signalUnknownPasskey } from '@/lib/webauthn';
import { type CreatedPasskey, useAddPasskey, useCreatePasskeyCredential } from '@/features/security/api/add-passkey';
import { useDeletePasskey } from '@/features/security/api/delete-passkey';
import { useRenamePasskey } from '@/features/security/api/rename-passkey';
import { PasskeyNameDialog } from '@/features/security/components/passkey-name-dialog';

const DEFAULT_NAME = 'Passkey';

interface PasskeysPanelProps {
  passkeys: Passkey[];
  /** What the browser files them under: the device is told which of its passkeys for this account still exist. */
  account: WebAuthnAccount;
  onRecoveryCodes: (codes: string[]) => void;
  /** The id of what says why no passkey can be added yet (an unconfirmed address): adding is disabled meanwhile. */
  blockedBy?: string;
}

/**
 * Tells the browser which of this account's passkeys the server has, each time that list changes (and on the first
 * load), so a passkey deleted here or elsewhere, or created and never saved, stops being offered. Not while `adding`
 * here, nor while the server knows of a registration still open (another tab or device may hold a passkey not
 * listed yet), nor after a save until the list shows the saved passkey (the function returned is told its id): a
 * list without it would make the browser drop it.
 */
function useAccountPasskeysSignal(passkeys: Passkey[], account: WebAuthnAccount, adding: boolean): (savedId: string) => void {
  const signalled = useRef<string | null>(null);
  const awaited = useRef<string | null>(null);
  const { rp_id, user_handle, user_name, user_display_name } = account;
  const listed = JSON.stringify([{ rp_id, user_handle, user_name, user_display_name }, passkeys.map((passkey) => passkey.credential_id)]);
  const wait = adding || account.registration_pending;
  useEffect(() => {
    const [current, credentialIds] = JSON.parse(listed) as [Omit<WebAuthnAccount, 'registration_pending'>, string[]];
    if (awaited.current !== null) {
      if (!credentialIds.includes(awaited.current)) return;
      awaited.current = null;
    }
    if (wait || signalled.current === listed) return;
    signalled.current = listed;
    void signalAccountPasskeys(current, credentialIds);
  }, [wait, listed]);
  return useCallback((savedId: string) => {
    awaited.current = savedId;
  }, []);
}

/**
 * The account's passkeys: add one (named first, then the browser creates it and the server saves it at once, so
 * no passkey is left on the device unsaved because a later step was cancelled), rename, delete.
 * A passkey is a second factor, and signs in without a password when it is discoverable.
 */
export function PasskeysPanel({ passkeys, account, onRecoveryCodes, blockedBy }: PasskeysPanelProps) {
  const create = useCreatePasskeyCredential();
  const add = useAddPasskey();
  const rename = useRenamePasskey();
  const remove = useDeletePasskey();
  const [naming, setNaming] = useState(false);
  const [renaming, setRenaming] = useState<Passkey | null>(null);
  const [deleting, setDeleting] = useState<Passkey | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // The deleted row's buttons go with it: the focus goes to the next row's Delete (else the previous', else the heading).
  const removing = useFocusAfterRemoval(passkeys.map((passkey) => passkey.id), { list, fallback: heading, held: deleting !== null });
  const supported = passkeysSupported();
  const awaitListed = useAccountPasskeysSignal(passkeys, account, naming && (create.isPending || add.isPending || create.isSuccess));
  // The browser's refusal (a closed prompt, a device that has one already) in words, else the server's answer.
  const addFailure = create.error ? new Error(passkeyFailureMessage(create.error) ?? errorMessage(create.error)) : add.error;

  function startAdding() {
    create.reset();
    add.reset();
    setNaming(true);
  }

  function createAndSave(name: string) {
    create.mutate(undefined, {
      onSuccess: (created: CreatedPasskey) =>
        add.mutate(
          { created, name },
          {
            onSuccess: ({ passkey, recovery_codes }) => {
              awaitListed(passkey.credential_id);
              setNaming(false);
              showToast({ message: <>Passkey “<bdi>{name}</bdi>” added.</> });
              onRecoveryCodes(recovery_codes);
            },
            // Refused by the server (4xx): it saved nothing, so the device forgets the passkey it just created.
            // Not after a network failure or a 5xx, when the save may have landed: the next list settles it.
            onError: (error) => {
              if (error instanceof ApiError && error.status < 500) void signalUnknownPasskey(account.rp_id, String(created.passkey.id));
            },
          },
        ),
    });
  }

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="passkeys-title" ref={heading} tabIndex={-1}>
            Passkeys
          </h2>
          <p className="card__subtitle">Sign in with your fingerprint, face, screen lock or a security key, with or without your password.</p>
        </div>
        {supported ? (
          <button type="button" className="button button--primary" disabled={blockedBy !== undefined} aria-describedby={blockedBy} onClick={startAdding}>
            Add a passkey
          </button>
        ) : null}
      </div>
      {supported ? null : <p className="card__subtitle">This browser cannot create or use passkeys.</p>}
      {passkeys.length === 0 ? (
        <EmptyState title="No passkeys yet." />
      ) : (
        <ul className="sessions" aria-label="Your passkeys" ref={list}>
          {passkeys.map((passkey) => (
            // The added date in the buttons' names: two passkeys may have the same name.
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
                  aria-label={`Rename ${passkey.name}, added ${formatDay(passkey.created_at)}`}
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
                  data-removal-focus={passkey.id}
                  aria-label={`Delete ${passkey.name}, added ${formatDay(passkey.created_at)}`}
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
      {naming ? (
        <PasskeyNameDialog
          title="Name your passkey"
          description="The name helps you tell your passkeys apart here. Your browser asks for the passkey next."
          initial={DEFAULT_NAME}
          submitLabel="Save passkey"
          pending={create.isPending || add.isPending}
          pendingLabel={create.isPending ? 'Waiting for your passkey…' : 'Saving…'}
          error={addFailure}
          onSubmit={createAndSave}
          onCancel={() => setNaming(false)}
        />
      ) : null}
      {renaming ? (
        <PasskeyNameDialog
          title="Rename passkey"
          description={<>A new name for “<bdi>{renaming.name}</bdi>”.</>}
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
          description={<>“<bdi>{deleting.name}</bdi>” will no longer sign in to your account. Remove it from the device or password manager as well.</>}
          confirmLabel="Delete passkey"
          pending={remove.isPending}
          error={remove.error ? `Could not delete the passkey: ${errorMessage(remove.error)}` : null}
          onConfirm={() => {
            removing(deleting.id);
            remove.mutate(deleting.id, {
              onSuccess: () => {
                setDeleting(null);
                showToast({ message: <>Passkey “<bdi>{deleting.name}</bdi>” deleted.</> });
              },
            });
          }}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </section>
  );
}
