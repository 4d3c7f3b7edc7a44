import type { MatcherFunction } from '@testing-library/react';

const text = (node: Element) => (node.textContent ?? '').replace(/\s+/g, ' ').trim();

/**
 * For getByText and its kin: the element that says `sentence` (its whole text, across the elements in it), with
 * `userText` in it in a <bdi> of its own. Text from the user (a title, an address, a device) is isolated so that,
 * written right to left or with bidi controls in it, it cannot reorder the sentence around it; getByText('Deleted
 * “A”.') alone no longer finds such a sentence, as it matches an element's own text only. A RegExp matches part of
 * the sentence.
 */
export function isolating(sentence: string | RegExp, userText: string): MatcherFunction {
  const says = (node: Element) => (typeof sentence === 'string' ? text(node) === sentence : sentence.test(text(node)));
  return (_content, element) =>
    element !== null &&
    says(element) &&
    ![...element.children].some(says) &&
    [...element.querySelectorAll('bdi')].some((isolate) => isolate.textContent === userText);
}
