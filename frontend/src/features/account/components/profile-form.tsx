import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useCurrentUser } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import { ProfileInputSchema, useUpdateProfile } from '@/features/account/api/update-profile';

export function ProfileForm() {
  const user = useCurrentUser();
  const mutation = useUpdateProfile();
  const form = useForm(ProfileInputSchema, { name: user.name }, (data) => mutation.mutate(data), mutation.error);
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 className="card__title" id="profile-title">Profile</h2>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        {/* Only while the field holds the name saved (the form sends it trimmed): once changed, it is not saved. */}
        <SuccessAlert>{mutation.isSuccess && form.values.name.trim() === mutation.variables.name ? 'Your name has been saved.' : null}</SuccessAlert>
        <FormAlert messages={form.formErrors} />
        <TextField label="Name" autoComplete="name" {...form.bind('name')} errors={form.errors('name')} />
        <div>
          <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
            Save name
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
