/*
 * Front-end of the RouteStar simulator, run by the browser: lists and line items are Handsontable grids filled from
 * JSON after a delay (the real portal's grids render long after the page has loaded), paged with bootpag, with
 * jquery-confirm and bootbox pop-ups that block clicks the way the real portal's QuickBooks notices do.
 */
/* global $, Handsontable, bootbox */
(function () {
  'use strict';

  function goToLogin() {
    window.location.href = '/web/login/?next=' + encodeURIComponent(window.location.pathname);
  }

  function fetchJson(url, done) {
    $.ajax({ url: url, dataType: 'json', cache: false })
      .done(done)
      .fail(function (xhr) {
        if (xhr.status === 401) return goToLogin();
        $('#grid-error')
          .text('The server could not load the data (' + xhr.status + '). Try again later.')
          .show();
      });
  }

  function columnSettings(column) {
    var settings = { data: column.key };
    if (column.kind === 'dropdown') {
      settings.type = 'dropdown';
      settings.source = [];
    } else if (column.kind === 'checkbox') {
      settings.type = 'checkbox';
    } else if (column.kind === 'html') {
      settings.renderer = 'html';
    } else {
      settings.type = 'text';
    }
    return settings;
  }

  function buildGrid(container, payload, height) {
    var widths = payload.columns.map(function (c) {
      return c.width || 110;
    });
    return new Handsontable(container, {
      data: payload.rows,
      columns: payload.columns.map(columnSettings),
      colHeaders: payload.columns.map(function (c) {
        return c.header;
      }),
      colWidths: widths,
      rowHeaders: true,
      columnSorting: true,
      hiddenColumns: { columns: payload.hidden, indicators: false },
      height: height,
      width: '100%',
      viewportRowRenderingOffset: 1,
      viewportColumnRenderingOffset: 40,
      themeName: 'ht-theme-classic',
      licenseKey: 'non-commercial-and-evaluation',
    });
  }

  function confirmPopup() {
    $.confirm({
      title: 'QuickBooks',
      content: 'Some invoices are waiting to be sent to QuickBooks.',
      backgroundDismiss: false,
      buttons: {
        fix: { text: 'FIX', btnClass: 'btn-primary' },
        cancel: { text: 'CANCEL', btnClass: 'btn-default' },
      },
    });
  }

  /** A list page: grid + pager; page changes fetch that page's rows and reload the grid. */
  window.RouteStarList = function (options) {
    var hot = null;
    var filters = function () {
      if (!options.dateFilter) return '';
      return (
        '&from=' +
        encodeURIComponent($('#from_date').val()) +
        '&to=' +
        encodeURIComponent($('#to_date').val())
      );
    };
    var load = function (page, first) {
      fetchJson(options.api + '?page=' + page + filters(), function (payload) {
        $('#grid-error').hide();
        // The pager and the count change as soon as the data is in; the grid itself is drawn later.
        var draw = function () {
          if (hot === null) {
            hot = buildGrid(document.getElementById('grid'), payload, options.height);
          } else {
            hot.updateSettings({ data: payload.rows });
          }
        };
        if (options.drawDelayMs > 0) setTimeout(draw, options.drawDelayMs);
        else draw();
        $('#row-count').text(payload.total + ' records');
        if (first) {
          $('#pager').empty().removeData('settings');
          if (payload.pages > 0) {
            $('#pager')
              .bootpag({
                total: payload.pages,
                page: 1,
                maxVisible: options.maxVisible,
                leaps: true,
                wrapClass: options.pagerClass,
              })
              .off('page')
              .on('page', function (event, num) {
                var busyUntil = Date.now() + options.pageTurnBusyMs;
                while (Date.now() < busyUntil) {
                  // A portal page rebuilding its grid holds the thread; the click that turned the page waits for it.
                }
                load(num, false);
              });
          }
          if (options.popupOnLoad) confirmPopup();
        }
        if (options.popupAfterPage && page === options.popupAfterPage) confirmPopup();
      });
    };
    $(function () {
      if (options.dateFilter) {
        $('#from_date, #to_date').on('change', function () {
          load(1, true);
        });
      }
      load(1, true);
    });
  };

  /** The invoice detail page: header inputs filled late; line items rendered only once their tab is shown. */
  window.RouteStarInvoice = function (options) {
    var detail = null;
    var linesShown = false;
    var renderLines = function () {
      if (!detail || !linesShown || $('#line-grid').data('built')) return;
      $('#line-grid').data('built', true);
      buildGrid(document.getElementById('line-grid'), detail.lines, 'auto');
    };
    $(function () {
      $('a[data-toggle="tab"]').on('shown.bs.tab', function (event) {
        if ($(event.target).attr('href') === options.linesTab) {
          linesShown = true;
          renderLines();
        }
      });
      fetchJson(options.api, function (payload) {
        detail = payload;
        Object.keys(payload.fields).forEach(function (selector) {
          $(selector).val(payload.fields[selector]);
        });
        $('#txt_inv_taxrate').val(payload.taxRateOption);
        if (options.popupOnLoad) {
          bootbox.dialog({
            title: 'QuickBooks',
            message: 'This invoice is not synced with QuickBooks yet.',
            buttons: {
              cancel: { label: 'CANCEL', className: 'btn-default' },
              fix: { label: 'FIX', className: 'btn-primary' },
            },
          });
        }
        renderLines();
      });
    });
  };
})();
