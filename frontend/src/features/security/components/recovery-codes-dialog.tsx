import { useState } from 'react';
import { Dialog } from '@/components/dialog';
import { SuccessAlert } from '@/components/feedback';
import { saveFile } from '@/lib/download';
import { localIsoDate } from '@/lib/format';

const FILE_NAME = 'recovery-codes.txt';

/**
 * New recovery codes, shown this once (the server keeps only their hashes): copy them, download them as a
 * text file, then "I saved them". Not dismissible: Escape, a click beside it or a × would throw the only
 * copy away with no acknowledgement, so "I saved them" is the one way out.
 */
export function RecoveryCodesDialog({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [saved, setSaved] = useState<string | null>(null);
  const text = `Recovery codes for ${window.location.host}\nEach code works once. Generated ${localIsoDate()}.\n\n${codes.join('\n')}\n`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setSaved('Copied to the clipboard.');
    } catch {
      setSaved('Could not copy here: select the codes, or download them.');
    }
  }

  function download() {
    saveFile(new Blob([text], { type: 'text/plain' }), FILE_NAME);
    setSaved(`Downloaded ${FILE_NAME}.`);
  }

  return (
    <Dialog
      title="Save your recovery codes"
      description="If you lose your authenticator app or passkeys, each of these codes signs you in once. This is the only time they are shown: keep them somewhere safe, like a password manager."
      dismissible={false}
    >
      <div className="stack">
        <ol className="recovery-codes" aria-label="Recovery codes" data-testid="recovery-codes">
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ol>
        <SuccessAlert>{saved}</SuccessAlert>
        <div className="row">
          <button type="button" className="button button--secondary" onClick={() => void copy()} data-autofocus="">
            Copy
          </button>
          <button type="button" className="button button--secondary" onClick={download}>
            Download as .txt
          </button>
        </div>
        <div className="dialog__actions">
          <button type="button" className="button button--primary" onClick={onDone}>
            I saved them
          </button>
        </div>
      </div>
    </Dialog>
  );
}
