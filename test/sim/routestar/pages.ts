/**
 * HTML of the RouteStar simulator's pages. Each page is a Bootstrap 3 shell; the grids are drawn later by the
 * browser (public/routestar.js) from the simulator's JSON endpoints, as on the real portal.
 */

const head = (title: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title} | RouteStar</title>
<link rel="stylesheet" href="/static/bootstrap/css/bootstrap.min.css">
<link rel="stylesheet" href="/static/jquery-confirm/jquery-confirm.min.css">
<link rel="stylesheet" href="/static/handsontable/styles/handsontable.min.css">
<link rel="stylesheet" href="/static/handsontable/styles/ht-theme-classic.min.css">
</head>`;

const scripts = `<script src="/static/jquery/jquery.min.js"></script>
<script src="/static/bootstrap/js/bootstrap.min.js"></script>
<script src="/static/jquery-confirm/jquery-confirm.min.js"></script>
<script src="/static/bootbox/bootbox.min.js"></script>
<script src="/static/bootpag/jquery.bootpag.min.js"></script>
<script src="/static/handsontable/handsontable.full.min.js"></script>
<script src="/assets/routestar.js"></script>`;

const nav = `<nav class="navbar navbar-default"><div class="container-fluid"><a class="navbar-brand" href="/web/invoices/">RouteStar</a>
<ul class="nav navbar-nav"><li><a href="/web/invoices/">Invoices</a></li><li><a href="/web/closedinvoices/">Closed Invoices</a></li>
<li><a href="/web/items/">Items</a></li></ul></div></nav>`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(error?: string, next = ''): string {
  return `${head('Login')}<body><div class="container" style="max-width:380px;margin-top:80px">
<h2>Sign in</h2>
${error ? `<div class="alert alert-danger">${escapeHtml(error)}</div>` : ''}
<form method="post" action="/web/login/">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<div class="form-group"><label for="username">Username</label><input class="form-control" id="username" name="username" type="text"></div>
<div class="form-group"><label for="password">Password</label><input class="form-control" id="password" name="password" type="password"></div>
<button type="submit" class="btn btn-primary">Login</button>
</form></div></body></html>`;
}

export interface ListPageOptions {
  title: string;
  api: string;
  dateFilter?: { from: string; to: string };
  pagerClass: string;
  maxVisible: number;
  gridHeight: number;
  /** The grid is drawn this long after its data arrives. */
  drawDelayMs?: number;
  /** A page turn blocks the page this long before loading the new page. */
  pageTurnBusyMs?: number;
  popupOnLoad: boolean;
  popupAfterPage: number | null;
  itemsPerPage?: boolean;
}

export function listPage(o: ListPageOptions): string {
  const filter = o.dateFilter
    ? `<form class="form-inline" onsubmit="return false"><label>From <input type="date" id="from_date" class="form-control" value="${o.dateFilter.from}"></label>
<label>To <input type="date" id="to_date" class="form-control" value="${o.dateFilter.to}"></label></form>`
    : '';
  const perPage = o.itemsPerPage
    ? `<select id="items_per_page" class="form-control" style="width:auto"><option>20</option><option>50</option><option>All</option></select>`
    : '';
  const config = {
    api: o.api,
    dateFilter: Boolean(o.dateFilter),
    pagerClass: o.pagerClass,
    maxVisible: o.maxVisible,
    height: o.gridHeight,
    drawDelayMs: o.drawDelayMs ?? 0,
    pageTurnBusyMs: o.pageTurnBusyMs ?? 0,
    popupOnLoad: o.popupOnLoad,
    popupAfterPage: o.popupAfterPage,
  };
  return `${head(o.title)}<body>${nav}<div class="container-fluid">
<h3>${escapeHtml(o.title)} <small id="row-count"></small></h3>
${filter}${perPage}
<div class="alert alert-danger" id="grid-error" style="display:none"></div>
<div id="grid"></div>
<div id="pager"></div>
</div>${scripts}<script>RouteStarList(${JSON.stringify(config)});</script></body></html>`;
}

export interface DetailPageOptions {
  invoiceNumber: string;
  customer: string;
  /** Selectors of the header inputs, renamed when the markup-change switch is on. */
  ids: { subtotal: string; tax: string; total: string };
  linesTab: string;
  popupOnLoad: boolean;
}

export function detailPage(o: DetailPageOptions): string {
  const input = (id: string, label: string) =>
    `<div class="form-group col-sm-3"><label for="${id}">${label}</label><input class="form-control" id="${id}" readonly></div>`;
  const config = {
    api: `/web/api/invoicedetails/${o.invoiceNumber}`,
    linesTab: o.linesTab,
    popupOnLoad: o.popupOnLoad,
  };
  return `${head(`Invoice ${o.invoiceNumber}`)}<body>${nav}<div class="container-fluid">
<h3>Invoice <span id="invoice_number">${escapeHtml(o.invoiceNumber)}</span> <small>${escapeHtml(o.customer)}</small></h3>
<div class="alert alert-danger" id="grid-error" style="display:none"></div>
<ul class="nav nav-tabs">
<li class="active"><a href="#tab_general" data-toggle="tab">General</a></li>
<li><a href="${o.linesTab}" data-toggle="tab">Line Items</a></li>
<li><a href="#tab_history" data-toggle="tab">History</a></li>
</ul>
<div class="tab-content">
<div class="tab-pane active" id="tab_general"><div class="row">
${input(o.ids.subtotal, 'Subtotal')}${input(o.ids.tax, 'Tax')}${input(o.ids.total, 'Total')}
${input('txt_signedby', 'Signed By')}
<div class="form-group col-sm-3"><label for="txt_inv_taxrate">Sales Tax</label><select class="form-control" id="txt_inv_taxrate">
<option value="">-- none --</option><option value="0.053">VA 5.3%</option><option value="0.06">MD 6%</option></select></div>
${input('txt_email', 'E-mail')}${input('txt_phone', 'Phone')}
<div class="form-group col-sm-6"><label for="txt_memo">Memo</label><textarea class="form-control" id="txt_memo"></textarea></div>
<div class="form-group col-sm-6"><label for="txt_service_notes">Service Notes</label><textarea class="form-control" id="txt_service_notes"></textarea></div>
</div></div>
<div class="tab-pane" id="${o.linesTab.slice(1)}"><div id="line-grid"></div></div>
<div class="tab-pane" id="tab_history"><p>No history.</p></div>
</div></div>${scripts}<script>RouteStarInvoice(${JSON.stringify(config)});</script></body></html>`;
}

export function errorPage(status: number): string {
  return `<!DOCTYPE html><html><head><title>${status}</title></head><body><h1>Server Error</h1><p>The server encountered an internal error (${status}).</p></body></html>`;
}
