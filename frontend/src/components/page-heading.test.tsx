import { render } from '@testing-library/react';
import { useLayoutEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { focusPageHeading, PageHeading } from '@/components/page-heading';

/** Where the focus is in the commit that shows it: what a click or a key right after the paint would meet. */
function FocusAtCommit({ seen }: { seen: (Element | null)[] }) {
  useLayoutEffect(() => {
    seen.push(document.activeElement);
  }, [seen]);
  return null;
}

describe('PageHeading', () => {
  it('takes a pending focus in the commit that shows it, before anything can be typed elsewhere', () => {
    // Given a navigation whose page was still loading: no heading to focus yet.
    focusPageHeading();
    const seen: (Element | null)[] = [];

    // When the page's heading mounts.
    const { getByRole } = render(
      <>
        <PageHeading>Sign in</PageHeading>
        <FocusAtCommit seen={seen} />
      </>,
    );

    // Then it has the focus already in that commit, not in a passive effect after the paint.
    const heading = getByRole('heading', { name: 'Sign in' });
    expect(seen).toEqual([heading]);
    expect(heading).toHaveFocus();
  });

  it('leaves the focus alone when no navigation asked for it (the first load)', () => {
    const seen: (Element | null)[] = [];
    render(
      <>
        <PageHeading>Tasks</PageHeading>
        <FocusAtCommit seen={seen} />
      </>,
    );
    expect(seen).toEqual([document.body]);
  });
});
