/**
 * The part of the RouteStar profile that reads the item list (/web/items/): its route and its column captions. Part of
 * the one profile (key `items`), so ROUTESTAR_PROFILE_FILE overrides it like every other key.
 */
import { z } from 'zod';

const captions = z.array(z.string().min(1)).min(1);

const itemColumns = z.object({
  parent: captions,
  itemName: captions,
  description: captions,
  cost: captions,
  price: captions,
  type: captions,
  onOrder: captions,
  onHand: captions,
  unit: captions,
  category: captions,
});

export type ItemField = keyof z.infer<typeof itemColumns>;

export const itemListProfileSchema = z.object({
  route: z.string(),
  columns: itemColumns,
  /** Columns the list cannot be read without; others may be hidden by the user and read as empty. */
  requiredColumns: z.array(itemColumns.keyof()),
});

export type ItemListProfile = z.infer<typeof itemListProfileSchema>;

export const defaultItemListProfile: ItemListProfile = {
  route: '/web/items/',
  columns: {
    parent: ['Parent'],
    itemName: ['Item', 'Item Name', 'Name'],
    description: ['Description'],
    cost: ['Purchase Cost', 'Cost'],
    price: ['Sales Price', 'Price'],
    type: ['Type'],
    onOrder: ['Qty On Order'],
    onHand: ['Qty On Hand'],
    unit: ['UOM', 'U/M'],
    category: ['Category'],
  },
  requiredColumns: ['itemName', 'onHand'],
};
