/**
 * Images known not to start under PetService's restricted defaults (a non-root numeric uid,
 * every capability dropped), with what to use instead. Matched on the repository name of
 * the official image (with or without a registry, `library/` or `docker.io/` prefix).
 */
const NEEDS_ROOT: { [repository: string]: string } = {
  nginx: 'the official nginx image starts as root to write /var/cache/nginx and bind port 80; '
    + 'use nginxinc/nginx-unprivileged (uid 101, port 8080) with `runAsUser: 101`, or `allowRunAsRoot: true`',
  httpd: 'the official httpd image starts as root to bind port 80 and write its logs; '
    + 'listen on a port above 1024 with a writable log directory and set `runAsUser`, or `allowRunAsRoot: true`',
  caddy: 'the official caddy image runs as root and writes /config and /data; '
    + 'mount claims there, listen above 1024 and set `runAsUser`, or `allowRunAsRoot: true`',
  traefik: 'the official traefik image runs as root to bind ports 80/443; '
    + 'use entryPoints above 1024 and set `runAsUser`, or `allowRunAsRoot: true`',
  haproxy: 'the official haproxy image binds low ports and needs NET_BIND_SERVICE, which the restricted defaults drop; '
    + 'listen above 1024, or `allowRunAsRoot: true`',
};

/** The repository of an image reference: `docker.io/library/nginx:1.27@sha256:…` → `nginx`. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  // A first part with a dot, a colon or "localhost" is a registry.
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) parts.shift();
  if (parts.length > 1 && parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** Why `image` will not start with restricted defaults, or undefined when it is not known to need root. */
export function needsRoot(image: string): string | undefined {
  const repo = imageRepository(image);
  return Object.prototype.hasOwnProperty.call(NEEDS_ROOT, repo) ? NEEDS_ROOT[repo] : undefined;
}
