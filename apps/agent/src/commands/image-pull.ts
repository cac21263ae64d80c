// image:pull — make the image present on this host. Pulling is idempotent by nature.
import { CommandFailureReason, type ImagePull } from '../../../../libs/protocol/src/index.js';
import type { ContainerEngine } from '../container-engine.js';
import { step } from './command-failure.js';
import type { z } from 'zod';

export type ImagePullCommand = z.infer<typeof ImagePull>;

export interface PullContext {
  engine: Pick<ContainerEngine, 'pullImage'>;
  progress: (message: string) => void;
}

export async function pullImage(image: string, context: PullContext): Promise<void> {
  context.progress(`pulling ${image}`);
  let last = '';
  await step(CommandFailureReason.ImagePullFailed, `pull of ${image} failed`, () =>
    context.engine.pullImage(image, (status) => {
      // Layer progress repeats the same few statuses; pass on only the changes.
      if (status !== last) context.progress(`pull ${image}: ${(last = status)}`);
    }),
  );
}

export async function runImagePull(command: ImagePullCommand, context: PullContext): Promise<{ image: string }> {
  await pullImage(command.image, context);
  return { image: command.image };
}
