/**
 * Pure mapping of a customer between the two systems: a CRM person or organization to the Siagh contact form's input
 * (CRM → Siagh, the direction of every change after the initial import), a Siagh contact to the CRM's create input
 * (the initial import), and each side's synced state — the fields the flow keeps equal, normalised so that the same
 * customer read back gives the same state and the same checksum.
 *
 * Siagh's `tmpid` travels in the CRM's `refId` but is not part of the compared state: Siagh's list does not
 * reliably return it (research §3.1), so comparing it would report drift that is not there.
 */
import type {
  CrmIdentity,
  OrganizationInput,
  PersonInput,
  PhoneContactInput,
} from '../../connectors/payamgostar/client.js';
import { customerNumberOf, type CustomerNumberFormat } from '../../connectors/payamgostar/customer-number.js';
import type { IdentityKind } from '../../connectors/payamgostar/webhook-notification.js';
import type { SiaghContactInput } from '../../connectors/siagh/forms.js';
import type { SiaghContact } from '../../connectors/siagh/schemas.js';

/** A customer as Siagh holds it: the contact fields the flow writes and compares. */
export interface SiaghCustomerState {
  kind: IdentityKind;
  name: string | null;
  mobile: string | null;
  phone: string | null;
  email: string | null;
  nationalCode: string | null;
  address: string | null;
  postalCode: string | null;
  website: string | null;
  description: string | null;
}

export interface CrmPhone {
  type: string | null;
  number: string | null;
}

export interface CrmAddress {
  country: string | null;
  state: string | null;
  city: string | null;
  address: string | null;
  zipCode: string | null;
}

/** A customer as the CRM holds it: what the flow reads, writes and compares. */
export interface CrmCustomerState {
  kind: IdentityKind;
  nickName: string | null;
  firstName: string | null;
  lastName: string | null;
  nationalCode: string | null;
  economicCode: string | null;
  email: string | null;
  website: string | null;
  description: string | null;
  customerNumber: string | null;
  refId: string | null;
  phones: CrmPhone[];
  addresses: CrmAddress[];
}

export type CrmIdentityInput =
  { kind: 'person'; input: PersonInput } | { kind: 'organization'; input: OrganizationInput };

/** Text as compared: trimmed, and empty meaning "no value". */
export function clean(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

const mobileType = /mobile|cell|موبایل|همراه/i;

interface PhoneLike {
  phoneType?: string | null;
  phoneNumber?: string | null;
  default?: boolean | null;
}
interface AddressLike {
  country?: string | null;
  state?: string | null;
  city?: string | null;
  address?: string | null;
  zipCode?: string | null;
  default?: boolean | null;
}

/** The default entry of a CRM contact list, else its first. */
function primary<T extends { default?: boolean | null }>(list: readonly T[]): T | undefined {
  return list.find((entry) => entry.default === true) ?? list[0];
}

function phonesOf(list: readonly PhoneLike[]): { mobile: string | null; phone: string | null } {
  const withNumber = list.filter((p) => clean(p.phoneNumber) !== null);
  const mobiles = withNumber.filter((p) => mobileType.test(p.phoneType ?? ''));
  const others = withNumber.filter((p) => !mobileType.test(p.phoneType ?? ''));
  return {
    mobile: clean(primary(mobiles)?.phoneNumber),
    phone: clean(primary(others)?.phoneNumber),
  };
}

/** What a CRM record and a CRM input have in common. */
interface CrmFields {
  nickName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  nationalCode?: string | null;
  economicCode?: string | null;
  email?: string | null;
  website?: string | null;
  description?: string | null;
  customerNumber?: string | null;
  refId?: string | null;
  phoneContacts?: readonly PhoneLike[];
  addressContacts?: readonly AddressLike[];
}

function crmStateFrom(kind: IdentityKind, fields: CrmFields): CrmCustomerState {
  return {
    kind,
    nickName: clean(fields.nickName),
    firstName: clean(fields.firstName),
    lastName: clean(fields.lastName),
    nationalCode: clean(fields.nationalCode),
    economicCode: clean(fields.economicCode),
    email: clean(fields.email),
    website: clean(fields.website),
    description: clean(fields.description),
    customerNumber: clean(fields.customerNumber),
    refId: clean(fields.refId),
    phones: (fields.phoneContacts ?? [])
      .map((p) => ({ type: clean(p.phoneType), number: clean(p.phoneNumber) }))
      .filter((p) => p.number !== null),
    addresses: (fields.addressContacts ?? [])
      .map((a) => ({
        country: clean(a.country),
        state: clean(a.state),
        city: clean(a.city),
        address: clean(a.address),
        zipCode: clean(a.zipCode),
      }))
      .filter((a) => Object.values(a).some((v) => v !== null)),
  };
}

/** The CRM side's state of a record read from the CRM. */
export function crmStateOf(identity: CrmIdentity): CrmCustomerState {
  return crmStateFrom(identity.kind, identity.record);
}

/** The CRM side's state a create or update input leaves in the CRM. */
export function crmStateOfInput(identity: CrmIdentityInput): CrmCustomerState {
  return crmStateFrom(identity.kind, identity.input);
}

/** The name Siagh gets: the CRM's display name, else first and last name. */
function fullNameOf(identity: CrmIdentity): string {
  const record = identity.record;
  const nick = clean(record.nickName);
  if (nick) return nick;
  if (identity.kind === 'person')
    return [clean(identity.record.firstName), clean(identity.record.lastName)].filter(Boolean).join(' ');
  return '';
}

/**
 * The Siagh contact form's input for a CRM customer. The CRM wins: a field empty in the CRM is sent empty, so Siagh's
 * copy is cleared; only `tmpid` is sent when the CRM knows it and otherwise left as Siagh has it.
 */
export function siaghInputFromCrm(identity: CrmIdentity): SiaghContactInput {
  const record = identity.record;
  const { mobile, phone } = phonesOf(record.phoneContacts);
  const address = primary(record.addressContacts.filter((a) => clean(a.address) ?? clean(a.zipCode)));
  const refId = clean(record.refId);
  return {
    fullName: fullNameOf(identity),
    kind: identity.kind,
    mobile,
    phone,
    email: clean(record.email),
    nationalCode: clean(record.nationalCode),
    ...(refId ? { tmpId: refId } : {}),
    address: clean(address?.address),
    postalCode: clean(address?.zipCode),
    website: clean(record.website),
    description: clean(record.description),
  };
}

/** What a contact form input leaves in Siagh. */
export function siaghStateOfInput(input: SiaghContactInput): SiaghCustomerState {
  return {
    kind: input.kind,
    name: clean(input.fullName),
    mobile: clean(input.mobile),
    phone: clean(input.phone),
    email: clean(input.email),
    nationalCode: clean(input.nationalCode),
    address: clean(input.address),
    postalCode: clean(input.postalCode),
    website: clean(input.website),
    description: clean(input.description),
  };
}

/** A Siagh contact as read from its contact list. */
export function siaghStateOfContact(contact: SiaghContact): SiaghCustomerState {
  return {
    kind: contact.TowardType ? 'organization' : 'person',
    name: clean(contact.Name) ?? clean(contact.NickName),
    mobile: clean(contact.MobileNo),
    phone: clean(contact.TelNo),
    email: clean(contact.Email),
    nationalCode: clean(contact.NationalCode),
    address: clean(contact.Address),
    postalCode: clean(contact.PostalCode),
    website: clean(contact.WebSiteAddress),
    description: clean(contact.Description),
  };
}

/**
 * The CRM create input for a Siagh contact (the initial import): its customer number is made from the Siagh Code,
 * its refId is Siagh's tmpid. Mapped back with siaghInputFromCrm it gives the contact's own Siagh state again.
 */
export function crmInputFromSiagh(contact: SiaghContact, format: CustomerNumberFormat): CrmIdentityInput {
  const state = siaghStateOfContact(contact);
  const phoneContacts: PhoneContactInput[] = [];
  if (state.mobile) phoneContacts.push({ phoneType: 'Mobile', phoneNumber: state.mobile, default: true });
  if (state.phone)
    phoneContacts.push({ phoneType: 'Office', phoneNumber: state.phone, default: state.mobile === null });
  const refId = clean(contact.tmpid);
  const input: PersonInput = {
    nickName: state.name ?? '',
    customerNumber: customerNumberOf(contact.Code, format),
    ...(refId ? { refId } : {}),
    ...(state.nationalCode ? { nationalCode: state.nationalCode } : {}),
    ...(state.email ? { email: state.email } : {}),
    ...(state.website ? { website: state.website } : {}),
    ...(state.description ? { description: state.description } : {}),
    ...(phoneContacts.length > 0 ? { phoneContacts } : {}),
    ...(state.address || state.postalCode
      ? {
          addressContacts: [
            {
              default: true,
              ...(state.address ? { address: state.address } : {}),
              ...(state.postalCode ? { zipCode: state.postalCode } : {}),
            },
          ],
        }
      : {}),
  };
  return { kind: state.kind, input };
}

/**
 * A record read from the CRM as a complete update input, with `changes` applied: the CRM's update takes the whole
 * record, so a write of one field (the customer number) must carry every other field as it is.
 */
export function crmUpdateInput(identity: CrmIdentity, changes: Partial<PersonInput>): CrmIdentityInput {
  const r = identity.record;
  const optional = (value: string | undefined) => value ?? undefined;
  const common = {
    ...(r.crmObjectTypeCode ? { crmObjectTypeCode: r.crmObjectTypeCode } : {}),
    refId: optional(r.refId),
    nickName: r.nickName ?? fullNameOf(identity),
    nationalCode: optional(r.nationalCode),
    economicCode: optional(r.economicCode),
    email: optional(r.email),
    alternativeEmail: optional(r.alternativeEmail),
    website: optional(r.website),
    description: optional(r.description),
    customerNumber: optional(r.customerNumber),
    phoneContacts: r.phoneContacts.flatMap((p) =>
      p.phoneNumber
        ? [{ phoneType: p.phoneType ?? 'Mobile', phoneNumber: p.phoneNumber, default: p.default ?? false }]
        : [],
    ),
    addressContacts: r.addressContacts.map((a) => ({
      default: a.default ?? false,
      country: optional(a.country),
      state: optional(a.state),
      city: optional(a.city),
      address: optional(a.address),
      zipCode: optional(a.zipCode),
    })),
    categories: r.categories.flatMap((c) => (c.key ? [{ key: c.key }] : [])),
  };
  if (identity.kind === 'person')
    return {
      kind: 'person',
      input: {
        ...common,
        firstName: optional(identity.record.firstName),
        lastName: optional(identity.record.lastName),
        ...changes,
      },
    };
  return {
    kind: 'organization',
    input: {
      ...common,
      registerNumber: optional(identity.record.registerNumber),
      businessType: optional(identity.record.businessType),
      ...changes,
    },
  };
}
