import { useState } from 'react';
import { BusyButton, FormAlert, SuccessAlert } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { useExportData } from '@/features/account/api/export-data';
import { DeleteAccountDialog } from '@/features/account/components/delete-account-dialog';

/** Download everything the service holds about the account, or delete the account. */
export function DataPanel() {
  const exporting = useExportData();
  const [deleting, setDeleting] = useState(false);
  return (
    <section className="card" aria-labelledby="data-title">
      <h2 className="card__title" id="data-title">Your data</h2>
      <div className="stack">
        <div className="stack stack--tight">
          <h3 className="card__subtitle-heading">Download my data</h3>
          <p className="card__subtitle">Your profile, tasks, sessions and security activity, as one JSON file.</p>
          <SuccessAlert>{exporting.isSuccess ? `Downloaded ${exporting.data}.` : null}</SuccessAlert>
          <FormAlert messages={exporting.isError ? [`Could not download your data. ${errorMessage(exporting.error)}`] : []} />
          <div>
            <BusyButton className="button button--secondary" busy={exporting.isPending} onClick={() => exporting.mutate()}>
              {exporting.isPending ? 'Preparing…' : 'Download my data'}
            </BusyButton>
          </div>
        </div>
        <div className="stack stack--tight danger-zone">
          <h3 className="card__subtitle-heading">Delete account</h3>
          <p className="card__subtitle">Deletes your account and everything in it, for good, and signs you out everywhere.</p>
          <div>
            <button type="button" className="button button--danger" onClick={() => setDeleting(true)}>
              Delete account…
            </button>
          </div>
        </div>
      </div>
      {deleting ? <DeleteAccountDialog onClose={() => setDeleting(false)} /> : null}
    </section>
  );
}
