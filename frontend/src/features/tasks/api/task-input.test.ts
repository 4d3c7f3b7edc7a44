import { describe, expect, it } from 'vitest';
import { TaskInputSchema } from '@/features/tasks/api/task-input';

const task = { title: 'Buy apples', description: '', status: 'todo', priority: 'medium', due_date: '' } as const;
const messages = (values: Partial<Record<keyof typeof task, string>>) =>
  TaskInputSchema.safeParse({ ...task, ...values }).error?.issues.map((issue) => issue.message) ?? [];

describe('TaskInputSchema', () => {
  // The API counts characters (code points): an emoji is one, though string.length counts it as two.
  it('takes a title of 200 emoji, as the API does, and refuses 201', () => {
    expect(messages({ title: '😀'.repeat(200) })).toEqual([]);
    expect(messages({ title: '😀'.repeat(201) })).toEqual(['At most 200 characters.']);
  });

  it('takes a title of 200 CJK characters from outside the Basic Multilingual Plane', () => {
    expect(messages({ title: '𠮷'.repeat(200) })).toEqual([]);
  });

  it('takes a description of 10,000 emoji and refuses 10,001', () => {
    expect(messages({ description: '🍎'.repeat(10_000) })).toEqual([]);
    expect(messages({ description: '🍎'.repeat(10_001) })).toEqual(['At most 10,000 characters.']);
  });

  it('still refuses a blank title and 201 plain characters', () => {
    expect(messages({ title: '   ' })).toEqual(['Give the task a title.']);
    expect(messages({ title: 'a'.repeat(201) })).toEqual(['At most 200 characters.']);
  });
});
