/* The live echo under every money input (zhaoqing_tracker/forms.py MoneyInput): as the user
   types "386", "3.86亿" or "3,860,000元", the <output> after the input reads
   "= 3,860,000.00 元 · 0.04 亿元", or says why the text is not an amount.

   The reading repeats zhaoqing_tracker/money.py exactly (万元 by default, full-width digits and
   commas, exact to the fen) in whole fen as BigInt, so the echo never rounds a figure the server
   would store differently. Every word shown comes from the page (data-* attributes, translated
   by the server). An input with data-money-base (yuan) also echoes "typed − base": the month a
   year-to-date total implies. No inline script or style: this file is all there is. */
(function () {
  "use strict";

  var AMOUNT = /^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.([0-9]*))?\s*(万元?|亿元?|元)?$/;
  // Decimal places from the unit down to the fen: 元 2, 万元 6 (the default), 亿元 10.
  var FEN_PLACES = { "元": 2, "万": 6, "万元": 6, "亿": 10, "亿元": 10 };
  var MAX_FEN = BigInt("9999999999999999");

  function normalise(text) {
    return text.normalize("NFKC").replace(/。/g, ".").trim();
  }

  /* {fen: BigInt} for an amount, {error: "invalid" | "precision" | "max"} otherwise, null for blank. */
  function parse(text) {
    text = normalise(text || "");
    if (!text) return null;
    var match = AMOUNT.exec(text);
    if (!match || !(match[2] || match[3])) return { error: "invalid" };
    var whole = match[2].replace(/,/g, "").replace(/^0+/, "");
    var fraction = match[3] || "";
    if (whole.length > 16) return { error: "max" };
    var shift = FEN_PLACES[match[4] || "万"] - fraction.length;
    var digits = (whole + fraction) || "0";
    var fen;
    if (shift >= 0) {
      fen = BigInt(digits) * BigInt(10) ** BigInt(shift);
    } else {
      if (/[1-9]/.test(digits.slice(digits.length + shift))) return { error: "precision" };
      fen = BigInt(digits.slice(0, digits.length + shift) || "0");
    }
    if (match[1] === "-") fen = -fen;
    if (fen > MAX_FEN || -fen > MAX_FEN) return { error: "max" };
    return { fen: fen };
  }

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /* fen / 10^places as a grouped decimal with at least 2 decimals, exact (trailing zeros
     beyond 2 dropped); ``rounded`` rounds half up to 2 decimals instead. */
  function decimal(fen, places, rounded) {
    var negative = fen < 0;
    if (negative) fen = -fen;
    var text;
    if (rounded) {
      var unit = BigInt(10) ** BigInt(places - 2);
      var hundredths = (fen + unit / BigInt(2)) / unit;
      text = hundredths.toString().padStart(3, "0");
      text = grouped(text.slice(0, -2)) + "." + text.slice(-2);
    } else {
      text = fen.toString().padStart(places + 1, "0");
      var fraction = text.slice(-places).replace(/0+$/, "").padEnd(2, "0");
      text = grouped(text.slice(0, -places)) + "." + fraction;
    }
    return (negative ? "-" : "") + text;
  }

  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function echo(input) {
    var output = input.nextElementSibling;
    if (!output || !output.classList.contains("money-echo")) return;
    var amount = parse(input.value);
    var text = "";
    var problem = false;
    if (amount && amount.error) {
      text = output.getAttribute("data-" + amount.error);
      problem = true;
    } else if (amount && amount.fen < 0) {
      text = output.getAttribute("data-negative");
      problem = true;
    } else if (amount) {
      text = fill(output.getAttribute("data-echo"), {
        yuan: decimal(amount.fen, 2, false),
        yi: decimal(amount.fen, 10, true),
      });
      var base = input.getAttribute("data-money-base");
      if (base !== null) {
        var derived = amount.fen - parse(base + "元").fen;
        var format = input.getAttribute(derived < 0 ? "data-money-negative" : "data-money-derived");
        text += " · " + fill(format, { wan: decimal(derived < 0 ? -derived : derived, 6, false) });
        problem = derived < 0;
      }
    }
    output.textContent = text;
    output.classList.toggle("money-echo--problem", problem);
  }

  function echoAll(root) {
    root.querySelectorAll("input[data-money]").forEach(echo);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-money]")) echo(event.target);
  });
  // Figures already in the form (an edit, a refused form) are echoed as soon as it shows,
  // and again inside content htmx swaps in.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { echoAll(document); });
  } else {
    echoAll(document);
  }
  document.addEventListener("htmx:load", function (event) { echoAll(event.target); });

  // The reading itself, for other scripts and for the test that holds it to the server's.
  window.zqMoney = { parse: parse };
})();
