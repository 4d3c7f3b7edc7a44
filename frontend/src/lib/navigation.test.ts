import { describe, expect, it } from 'vitest';
import { forgetNextOwner, nextPathFor, rememberNextOwner, safeNextPath } from '@/lib/navigation';

const ORIGIN = 'https://app.example.com';

describe('safeNextPath', () => {
  it.each([
    ['//evil.com'],
    ['//evil.com/tasks'],
    ['https://evil'],
    ['https://app.example.com.evil.com/'],
    ['/\\evil.com'],
    ['/\\\\evil.com'],
    ['\\/evil.com'],
    ['/\t/evil.com'],
    ['/\n/evil.com'],
    ['/.//evil.com'], // dot segments that leave a path starting with two slashes: another host once navigated to
    ['/%2e//evil.com'],
    ['/..//evil.com'],
    ['javascript:alert(1)'],
    [' javascript:alert(1)'],
    ['tasks'],
    ['/login'],
    ['/login?next=%2Flogin'],
    [''],
    [null],
    [undefined],
  ])('refuses %j and falls back', (next) => {
    expect(safeNextPath(next, '/home', ORIGIN)).toBe('/home');
  });

  it.each([
    ['/tasks?status=done#top', '/tasks?status=done#top'],
    ['/account', '/account'],
    ['/%2F%2Fevil', '/%2F%2Fevil'], // an odd path on this origin, not another host
    ['/%09/evil.com', '/%09/evil.com'],
    ['/a/../tasks', '/tasks'],
    ['/loginx', '/loginx'],
  ])('keeps %j on this origin as %j', (next, expected) => {
    expect(safeNextPath(next, '/home', ORIGIN)).toBe(expected);
  });

  it('uses the page origin by default', () => {
    expect(safeNextPath('/tasks')).toBe('/tasks');
    expect(safeNextPath(`${window.location.origin}/tasks`)).toBe('/'); // must be a path, not a URL
  });
});

describe('nextPathFor', () => {
  it('follows next for anyone when no session expired in this tab', () => {
    expect(nextPathFor('u-2', '/tasks?search=rent')).toBe('/tasks?search=rent');
  });

  it('follows next only for the account whose session expired, through the same safe-path checks', () => {
    rememberNextOwner('u-1');
    expect(nextPathFor('u-1', '/tasks?search=rent')).toBe('/tasks?search=rent');
    expect(nextPathFor('u-1', '//evil.com/tasks')).toBe('/');
    expect(nextPathFor('u-2', '/tasks?search=rent')).toBe('/');
    expect(nextPathFor('u-2', '/tasks?search=rent', '/home')).toBe('/home');
    forgetNextOwner();
    expect(nextPathFor('u-2', '/tasks?search=rent')).toBe('/tasks?search=rent');
  });
});
