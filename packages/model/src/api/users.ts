import { z } from 'zod';
import {
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  USER_ROLES,
  type UserRole,
  userNameProblem,
} from '../users.js';
import { checkedField, requestBody } from './request-fields.js';

export const UserSchema = z
  .object({
    name: z.string(),
    role: z.enum(USER_ROLES),
    source: z
      .enum(['basic', 'github'])
      .meta({ description: 'basic: a stored basic-auth account; github: on the GitHub allow list' }),
    createdAt: z.iso.datetime().nullable().meta({ description: 'When a basic-auth user was added' }),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof UserSchema>;

export const UserListSchema = z.object({
  items: z.array(UserSchema),
  clientCertificates: z
    .boolean()
    .meta({ description: 'Whether client certificates can be issued (mtls-app)' }),
});
export type UserList = z.infer<typeof UserListSchema>;

export const UserParamsSchema = z.object({ name: z.string() });

const role = checkedField<UserRole>(
  (value) =>
    (USER_ROLES as readonly unknown[]).includes(value)
      ? undefined
      : { code: 'invalid_role', message: `A role is one of: ${USER_ROLES.join(', ')}.` },
  { type: 'string', enum: [...USER_ROLES] },
);
const password = checkedField<string>(
  (value) => {
    const problem = passwordProblem(value);
    return problem
      ? { code: 'invalid_password', message: `${problem[0]?.toUpperCase()}${problem.slice(1)}.` }
      : undefined;
  },
  { type: 'string', minLength: MIN_PASSWORD_LENGTH },
);

export const CreateUserBodySchema = requestBody({
  name: checkedField<string>(
    (value) => {
      const problem = userNameProblem(value);
      return problem
        ? {
            code: 'invalid_name',
            message: `${problem[0]?.toUpperCase()}${problem.slice(1)}.`,
            details: { field: 'name' },
          }
        : undefined;
    },
    { type: 'string' },
  ),
  role: role.optional().meta({ description: 'Default member' }),
  password: password
    .optional()
    .meta({ description: 'Without one, a password is generated and returned once' }),
});
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = requestBody({ role: role.optional(), password: password.optional() });
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

export const CreatedUserSchema = UserSchema.extend({
  password: z.string().optional().meta({ description: 'The generated password, shown this once' }),
});
export type CreatedUser = z.infer<typeof CreatedUserSchema>;
