/**
 * HTML of the simulated CustomerConnect pages, following the OpenCart 1.5 default-theme templates the portal is built
 * on (account/login, account/account, account/order_list, account/order_info), plus the vendor's additions (Vendor(s)
 * and PO Number(s) on the list, "PO #" on the detail page). Markup variants imitate a site change.
 */
import { roundCents, subtotalOf, taxOf, totalOf, type SimOrder } from './orders.js';

export const markupVariants = [
  'standard',
  /** The order blocks' class is renamed: the list can no longer be read. */
  'renamed-list-class',
  /** The pagination block is gone: the scraper cannot know where the list ends. */
  'no-pagination',
  /** Products columns in another order: a header-driven parser copes. */
  'reordered-product-columns',
  /** The Model column is renamed: the products table no longer has what the profile names. */
  'renamed-model-column',
  /** A faulty page: the "no orders" message where the orders should be, above a pager that counts them. */
  'orders-missing-with-pager',
  /** A faulty page: only the "no orders" message, as for an account without orders. */
  'orders-missing',
] as const;
export type MarkupVariant = (typeof markupVariants)[number];

export const ordersPerPage = 10;

/** How a portal prints its dates: tenants set their store's locale, so not every one prints US dates. */
export const simDateFormats = ['MM/DD/YYYY', 'DD/MM/YYYY', 'YYYY-MM-DD'] as const;
export type SimDateFormat = (typeof simDateFormats)[number];

/** A date the orders keep as MM/DD/YYYY, printed in the portal's format. */
function shownDate(usDate: string, format: SimDateFormat): string {
  const [m, d, y] = usDate.split('/');
  if (format === 'DD/MM/YYYY') return `${d}/${m}/${y}`;
  if (format === 'YYYY-MM-DD') return `${y}-${m}-${d}`;
  return usDate;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function money(n: number): string {
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function layout(base: string, title: string, content: string, loggedIn: boolean): string {
  const links = loggedIn
    ? `<a href="${base}/index.php?route=account/account">My Account</a> <a href="${base}/index.php?route=account/logout">Logout</a>`
    : `<a href="${base}/index.php?route=account/login&amp;SSL">Login</a>`;
  return `<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
<meta charset="UTF-8" />
<title>${escapeHtml(title)}</title>
<base href="${base}/" />
<link rel="stylesheet" type="text/css" href="catalog/view/theme/default/stylesheet/stylesheet.css" />
</head>
<body>
<div id="container">
<div id="header">
  <div id="logo"><a href="${base}/index.php?route=common/home"><img src="catalog/view/theme/default/image/logo.png" title="Envirostore" alt="Envirostore" /></a></div>
  <div id="welcome">${loggedIn ? 'You are logged in as <a href="' + base + '/index.php?route=account/account">Customer</a>' : 'Welcome visitor you can <a href="' + base + '/index.php?route=account/login&amp;SSL">login</a>.'}</div>
  <div class="links" id="top-links">${links}</div>
</div>
<div id="notification"></div>
<div id="content">${content}</div>
<div id="footer"><p>Powered By OpenCart</p></div>
</div>
</body>
</html>`;
}

export function loginPage(base: string, warning?: string): string {
  return layout(
    base,
    'Account Login',
    `
  <div class="breadcrumb"><a href="${base}/index.php?route=common/home">Home</a> &raquo; <a href="${base}/index.php?route=account/account">Account</a> &raquo; <a href="${base}/index.php?route=account/login">Login</a></div>
  ${warning ? `<div class="warning">${escapeHtml(warning)}</div>` : ''}
  <h1>Account Login</h1>
  <div class="login-content">
    <div class="left"><h2>New Customer</h2><div class="content"><p><b>Register Account</b></p><p>Accounts are opened by your vendor.</p></div></div>
    <div class="right">
      <h2>Returning Customer</h2>
      <form action="${base}/index.php?route=account/login" method="post" enctype="multipart/form-data" id="login">
        <div class="content">
          <p>I am a returning customer</p>
          <b>E-Mail Address:</b><br />
          <input type="text" name="email" value="" /><br /><br />
          <b>Password:</b><br />
          <input type="password" name="password" value="" /><br />
          <a href="${base}/index.php?route=account/forgotten">Forgotten Password</a><br /><br />
          <input type="submit" value="Login" class="button" />
        </div>
      </form>
    </div>
  </div>`,
    false,
  );
}

export function accountPage(base: string): string {
  return layout(
    base,
    'My Account',
    `
  <div class="breadcrumb"><a href="${base}/index.php?route=common/home">Home</a> &raquo; <a href="${base}/index.php?route=account/account">Account</a></div>
  <h1>My Account</h1>
  <h2>My Orders</h2>
  <div class="content"><ul><li><a href="${base}/index.php?route=account/order">View your order history</a></li></ul></div>`,
    true,
  );
}

/** OpenCart 1.5's Pagination::render(): |< < around ten page links > >|, then the results line. */
function pagination(base: string, page: number, total: number): string {
  const pages = Math.max(1, Math.ceil(total / ordersPerPage));
  const url = (n: number) => `${base}/index.php?route=account/order&amp;page=${n}`;
  let links = '';
  if (page > 1) links += ` <a href="${url(1)}">|&lt;</a> <a href="${url(page - 1)}">&lt;</a> `;
  const numLinks = 10;
  let start = 1;
  let end = pages;
  if (pages > numLinks) {
    start = Math.max(1, page - Math.floor(numLinks / 2));
    end = Math.min(pages, start + numLinks - 1);
    start = Math.max(1, end - numLinks + 1);
  }
  if (start > 1) links += ' .... ';
  for (let i = start; i <= end; i++) links += page === i ? ` <b>${i}</b> ` : ` <a href="${url(i)}">${i}</a> `;
  if (end < pages) links += ' .... ';
  if (page < pages) links += ` <a href="${url(page + 1)}">&gt;</a> <a href="${url(pages)}">&gt;|</a> `;
  const from = total === 0 ? 0 : (page - 1) * ordersPerPage + 1;
  const to = Math.min(total, page * ordersPerPage);
  return `<div class="links">${links}</div><div class="results">Showing ${from} to ${to} of ${total} (${pages} Pages)</div>`;
}

export function orderListPage(
  base: string,
  orders: SimOrder[],
  page: number,
  variant: MarkupVariant,
  dateFormat: SimDateFormat = 'MM/DD/YYYY',
): string {
  const slice = orders.slice((page - 1) * ordersPerPage, page * ordersPerPage);
  const blockClass = variant === 'renamed-list-class' ? 'order-row' : 'order-list';
  const blocks = slice
    .map((o) => {
      const itemCount = o.products.reduce((s, p) => s + p.quantity, 0);
      const total = o.listTotalText ?? money(totalOf(o));
      return `
  <div class="${blockClass}">
    <div class="order-id"><b>Order ID:</b> #${o.orderId}</div>
    <div class="order-status"><b>Status:</b> ${escapeHtml(o.status)}</div>
    <div class="order-content">
      <div><b>Date Added:</b> ${shownDate(o.dateAdded, dateFormat)}<br />
        <b>Products:</b> ${itemCount}</div>
      <div><b>Total:</b> ${escapeHtml(total)}<br />
        <b>Vendor(s):</b> ${o.vendors.map((v) => `${escapeHtml(v)},`).join(' ')}<br />
        <b>PO Number(s):</b> ${o.poNumbers.map((p) => `${escapeHtml(p)},`).join(' ')}</div>
      <div class="order-info"><a href="${base}/index.php?route=account/order/info&amp;order_id=${o.orderId}"><img src="catalog/view/theme/default/image/info.png" alt="View" title="View" /></a>&nbsp;&nbsp;<a href="${base}/index.php?route=account/order&amp;order_id=${o.orderId}"><img src="catalog/view/theme/default/image/reorder.png" alt="Reorder" title="Reorder" /></a></div>
    </div>
  </div>`;
    })
    .join('');
  const noOrders = '<div class="content">You have not made any previous orders!</div>';
  const body =
    orders.length === 0 || variant === 'orders-missing'
      ? noOrders
      : variant === 'orders-missing-with-pager'
        ? `${noOrders}\n  <div class="pagination">${pagination(base, page, orders.length)}</div>`
        : blocks +
          (variant === 'no-pagination'
            ? ''
            : `\n  <div class="pagination">${pagination(base, page, orders.length)}</div>`);
  return layout(
    base,
    'Order History',
    `
  <div class="breadcrumb"><a href="${base}/index.php?route=common/home">Home</a> &raquo; <a href="${base}/index.php?route=account/account">Account</a> &raquo; <a href="${base}/index.php?route=account/order">Order History</a></div>
  <h1>Order History</h1>${body}
  <div class="buttons"><div class="right"><a href="${base}/index.php?route=account/account" class="button">Continue</a></div></div>`,
    true,
  );
}

type ProductColumn = 'name' | 'model' | 'quantity' | 'price' | 'total';

export function orderInfoPage(
  base: string,
  order: SimOrder,
  variant: MarkupVariant,
  dateFormat: SimDateFormat = 'MM/DD/YYYY',
): string {
  const columns: ProductColumn[] =
    variant === 'reordered-product-columns'
      ? ['model', 'name', 'price', 'quantity', 'total']
      : ['name', 'model', 'quantity', 'price', 'total'];
  const headings: Record<ProductColumn, string> = {
    name: '<td class="left">Product Name</td>',
    model: `<td class="left">${variant === 'renamed-model-column' ? 'Item Code' : 'Model'}</td>`,
    quantity: '<td class="right">Quantity</td>',
    price: '<td class="right">Price</td>',
    total: '<td class="right">Total</td>',
  };
  const productRows = order.products
    .map((p) => {
      const cells: Record<ProductColumn, string> = {
        name: `<td class="left">${escapeHtml(p.name)}</td>`,
        model: `<td class="left">${escapeHtml(p.model)}</td>`,
        quantity: `<td class="right">${p.quantity}</td>`,
        price: `<td class="right">${money(p.price)}</td>`,
        total: `<td class="right">${money(roundCents(p.quantity * p.price))}</td>`,
      };
      return `
      <tr>
        ${columns.map((c) => cells[c]).join('\n        ')}
        <td class="right"><a href="${base}/index.php?route=account/order/info&amp;order_id=${order.orderId}&amp;reorder=1"><img src="catalog/view/theme/default/image/reorder.png" alt="Reorder" title="Reorder" /></a>&nbsp;&nbsp;<a href="${base}/index.php?route=account/return/insert&amp;order_id=${order.orderId}"><img src="catalog/view/theme/default/image/return.png" alt="Return" title="Return" /></a></td>
      </tr>`;
    })
    .join('');
  const totals: [string, number][] = [['Sub-Total', subtotalOf(order)]];
  if (order.shipping > 0) totals.push(['Flat Shipping Rate', order.shipping]);
  if (order.taxRate > 0) totals.push([`Sales Tax (${(order.taxRate * 100).toFixed(1)}%)`, taxOf(order)]);
  totals.push(['Total', totalOf(order)]);
  const footer = totals
    .map(
      ([label, value]) =>
        `<tr><td colspan="3"></td><td class="right"><b>${escapeHtml(label)}:</b></td><td class="right">${money(value)}</td><td></td></tr>`,
    )
    .join('\n      ');
  const history = order.history
    .map(
      (h) =>
        `<tr><td class="left">${shownDate(h.date, dateFormat)}</td><td class="left">${escapeHtml(h.status)}</td><td class="left">${escapeHtml(h.comment)}</td></tr>`,
    )
    .join('\n      ');
  return layout(
    base,
    'Order Information',
    `
  <div class="breadcrumb"><a href="${base}/index.php?route=common/home">Home</a> &raquo; <a href="${base}/index.php?route=account/account">Account</a> &raquo; <a href="${base}/index.php?route=account/order">Order History</a> &raquo; <a href="${base}/index.php?route=account/order/info&amp;order_id=${order.orderId}">Order Information</a></div>
  <h1>Order Information</h1>
  <table class="list">
    <thead><tr><td class="left" colspan="2">Order Details</td></tr></thead>
    <tbody><tr>
      <td class="left" style="width: 50%;"><b>Order ID:</b> #${order.orderId}<br />
        <b>PO #:</b> ${escapeHtml(order.detailPo)}<br />
        <b>Date Added:</b> ${shownDate(order.dateAdded, dateFormat)}</td>
      <td class="left"><b>Payment Method:</b> Net 30 Terms<br />
        <b>Shipping Method:</b> Vendor Delivery</td>
    </tr></tbody>
  </table>
  <table class="list">
    <thead><tr><td class="left">Payment Address</td><td class="left">Shipping Address</td></tr></thead>
    <tbody><tr>
      <td class="left">Enviro Master Services<br />4200 Commerce St<br />Roanoke, VA 24012<br />United States</td>
      <td class="left">Enviro Master Services<br />Warehouse 2, 88 Industrial Dr<br />Salem, VA 24153<br />United States</td>
    </tr></tbody>
  </table>
  <table class="list">
    <thead><tr>
      ${columns.map((c) => headings[c]).join('\n      ')}
      <td></td>
    </tr></thead>
    <tbody>${productRows}
    </tbody>
    <tfoot>
      ${footer}
    </tfoot>
  </table>
  <h2>Order History</h2>
  <table class="list">
    <thead><tr><td class="left">Date Added</td><td class="left">Status</td><td class="left">Comment</td></tr></thead>
    <tbody>
      ${history}
    </tbody>
  </table>
  <div class="buttons"><div class="right"><a href="${base}/index.php?route=account/order" class="button">Continue</a></div></div>`,
    true,
  );
}

/** What OpenCart 1.5 shows for an order ID that is not this customer's. */
export function orderNotFoundPage(base: string): string {
  return layout(
    base,
    'Order Information',
    `
  <h1>Order Information</h1>
  <div class="content">The page you requested cannot be found!</div>
  <div class="buttons"><div class="right"><a href="${base}/index.php?route=common/home" class="button">Continue</a></div></div>`,
    true,
  );
}
