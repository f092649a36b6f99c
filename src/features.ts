/** Every feature the worker hosts, in start-up order. */
import type { FeatureFactory } from './feature.js';

export const featureFactories: FeatureFactory[] = [];
