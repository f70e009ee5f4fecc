// Regenerates vectors/stripe/signatures.json with the official `stripe` npm
// package: every header is made by `webhooks.generateTestHeaderString`, and
// every verdict is the package's own `webhooks.constructEvent`.
//
//   mkdir /tmp/stripe-gen && cd /tmp/stripe-gen && npm install stripe@23.2.0
//   NODE_PATH=/tmp/stripe-gen/node_modules node vectors/stripe/generate.js > vectors/stripe/signatures.json
const Stripe = require("stripe");
const stripe = new Stripe("sk_test_unused");
const version = require("fs")
  .readFileSync(require.resolve("stripe").replace(/cjs[\/\\].*$/, "package.json"), "utf8")
  .match(/"version":\s*"([^"]+)"/)[1];

const secret = "whsec_test_secret_for_hookgate_vectors";
const other = "whsec_another_tenants_secret";
const timestamp = 1700000000;
const payload = (id) =>
  JSON.stringify({ id, object: "event", type: "payment_intent.succeeded", data: { object: { id: "pi_1", amount: 2000 } } });
const header = (p, s, t = timestamp) =>
  stripe.webhooks.generateTestHeaderString({ payload: p, secret: s, timestamp: t });
const v1 = (h) => h.split(",").find((part) => part.startsWith("v1=")).slice(3);

const cases = [];
const add = (name, p, h, s = secret) => {
  let valid;
  try {
    // A tolerance wide enough for the fixed timestamp: the receiver's own
    // tolerance is tested against its clock, not here.
    stripe.webhooks.constructEvent(p, h, s, 1e10);
    valid = true;
  } catch (e) {
    valid = false;
  }
  cases.push({ name, secret: s, payload: p, timestamp, header: h, valid });
};

const p1 = payload("evt_1NG8Du2eZvKYlo2CUI79vXWy");
add("one v1", p1, header(p1, secret));
add("v1 by another secret, then the right one", p1, `t=${timestamp},v1=${v1(header(p1, other))},v1=${v1(header(p1, secret))}`);
add("the right v1, then one by another secret", p1, `t=${timestamp},v1=${v1(header(p1, secret))},v1=${v1(header(p1, other))}`);
add("a v0 entry besides the v1", p1, `t=${timestamp},v1=${v1(header(p1, secret))},v0=${v1(header(p1, other))}`);
add("signed by another secret", p1, header(p1, other));
add("only a v0 entry", p1, `t=${timestamp},v0=${v1(header(p1, secret))}`);
add("the timestamp changed after signing", p1, header(p1, secret).replace(`t=${timestamp}`, `t=${timestamp + 1}`));
const p2 = JSON.stringify({ id: "evt_unicode_é", object: "event", type: "customer.created", data: { object: { name: "Zoë" } } });
add("non-ASCII payload", p2, header(p2, secret));

process.stdout.write(
  JSON.stringify({ generator: `stripe npm package ${version}, webhooks.generateTestHeaderString; verdicts by webhooks.constructEvent`, cases }, null, 2) + "\n"
);
