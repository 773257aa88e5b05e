/**
 * @module Renders the Argo CD Application name for one cluster of a ring from the policy's template
 * (`spec.delivery.health.argocd.application`, e.g. `webapp-{{cluster}}`). Placeholders: `{{cluster}}`,
 * `{{region}}`, `{{ring}}`, `{{labels.KEY}}`; spaces inside the braces are allowed. An unknown
 * placeholder or a missing label is an error naming the template and the cluster, never an empty
 * string in a name. Pure.
 */
import { AdapterError } from '../../errors.ts';
import type { ClusterTarget } from '../../ports.ts';

export const APPLICATION_FIELD = 'spec.delivery.health.argocd.application';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** An Application name, with the namespace when the template renders `namespace/name` (apps in any namespace). */
export interface ApplicationRef {
  name: string;
  namespace?: string;
}

export function renderApplicationName(template: string, cluster: ClusterTarget, ring: string): string {
  const rendered = template.replace(PLACEHOLDER, (whole, key: string) => {
    if (key === 'cluster') return cluster.name;
    if (key === 'region') return cluster.region;
    if (key === 'ring') return ring;
    if (key.startsWith('labels.') && key.length > 'labels.'.length) {
      const label = key.slice('labels.'.length);
      const value = cluster.labels[label];
      if (value === undefined) {
        throw new AdapterError(
          `${APPLICATION_FIELD}: "${template}" uses ${whole}, but cluster "${cluster.name}" has no label "${label}"`,
          { retryable: false },
        );
      }
      return value;
    }
    throw new AdapterError(
      `${APPLICATION_FIELD}: "${template}" has an unknown placeholder ${whole} (use {{cluster}}, {{region}}, {{ring}} or {{labels.KEY}})`,
      { retryable: false },
    );
  });
  if (rendered.includes('{{') || rendered.includes('}}')) {
    throw new AdapterError(`${APPLICATION_FIELD}: "${template}" has an unclosed placeholder`, { retryable: false });
  }
  if (rendered.trim() === '') {
    throw new AdapterError(`${APPLICATION_FIELD}: "${template}" renders an empty name for cluster "${cluster.name}"`, { retryable: false });
  }
  return rendered;
}

/** `name` or `namespace/name` → the parts the API wants (`appNamespace` is a query parameter). */
export function splitApplicationName(rendered: string): ApplicationRef {
  const slash = rendered.indexOf('/');
  if (slash <= 0 || slash === rendered.length - 1 || rendered.indexOf('/', slash + 1) >= 0) return { name: rendered };
  return { namespace: rendered.slice(0, slash), name: rendered.slice(slash + 1) };
}
