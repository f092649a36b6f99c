/** Routes that name an item by SKU answer an unknown one with 404, not the 500 an unmapped domain error would give. */
import { HttpProblem } from '../api/problem.js';
import { ItemNotFoundError } from './errors.js';

export function itemProblem(error: unknown): never {
  if (error instanceof ItemNotFoundError) throw new HttpProblem(404, 'Not Found', error.message);
  throw error;
}
