import { engineIdentityFromVersion } from './engine-facts.js';

describe('engineIdentityFromVersion', () => {
  it('names Podman by its engine component (its Platform.Name is the OS)', () => {
    const podman = {
      Platform: { Name: 'linux/amd64/debian-12' },
      Components: [
        { Name: 'Podman Engine', Version: '4.3.1' },
        { Name: 'Conmon', Version: 'conmon version 2.1.6' },
      ],
      Version: '4.3.1',
      ApiVersion: '1.41',
    };
    expect(engineIdentityFromVersion(podman)).toEqual({ name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41' });
  });

  it('names Docker by its Platform.Name', () => {
    const docker = {
      Platform: { Name: 'Docker Engine - Community' },
      Components: [{ Name: 'Engine', Version: '27.1.1' }],
      Version: '27.1.1',
      ApiVersion: '1.46',
    };
    expect(engineIdentityFromVersion(docker)).toEqual({
      name: 'Docker Engine - Community',
      version: '27.1.1',
      apiVersion: '1.46',
    });
  });

  it('falls back to "unknown" when nothing names the engine', () => {
    expect(engineIdentityFromVersion({ Version: '1.0', ApiVersion: '1.40' }).name).toBe('unknown');
  });

  it('refuses an answer without versions', () => {
    expect(() => engineIdentityFromVersion({ Platform: { Name: 'x' } })).toThrow();
  });
});
