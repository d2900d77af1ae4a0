<?php
// The exchange from PHP, as a Bitrix24 module speaks for its CRM node: the
// central file and the CRM's file, one secret, messages carried as JSON text
// (the way a module posts them over HTTP), an order edited on both sides.
// Usage: php -d ffi.enable=1 test_exchange.php opora.ffi.h libopora.so
declare(strict_types=1);

use Opora\NotFoundException;
use Opora\Opora;
use Opora\OporaInvalidArgument;
use Opora\ValidationException;

require_once __DIR__ . '/harness.php';
$examples = dirname(__DIR__, 2) . '/examples/php';
require_once $examples . '/Opora.php';

[$header, $lib] = harnessArguments($argv);
$tmp = scratchDir('exchange');
$opts = ['clock' => 'manual', 'now' => '2026-03-02T09:00:00+03:00', 'utc_offset' => '+03:00'];
$centre = new Opora("$tmp/centre.db", $opts, $header, $lib);
$crm = new Opora("$tmp/crm.db", $opts, $header, $lib);

$centre->call('exchange.setup', ['node' => 'centre', 'role' => 'centre']);
$made = $centre->call('exchange.node.put', ['node' => 'crm', 'kind' => 'crm', 'streams' => ['orders']]);
check(is_string($made['secret']) && strlen($made['secret']) === 64, 'a 64-hex secret is made');
$crm->call('exchange.setup', ['node' => 'crm', 'role' => 'node', 'prefix' => 'CRM']);
$crm->call('exchange.node.put', ['node' => 'centre', 'secret' => $made['secret'], 'streams' => ['orders'],
                                 'kind' => 'centre']);

// One round, the messages as JSON text the way a module posts them.
$round = function () use ($centre, $crm): array {
    $down = json_encode($centre->call('exchange.out', ['node' => 'crm'])['message'], JSON_UNESCAPED_UNICODE);
    $r1 = $crm->call('exchange.in', ['node' => 'centre', 'message' => $down]);
    $up = json_encode($crm->call('exchange.out', ['node' => 'centre'])['message']);  // \u-escaped: still valid
    $r2 = $centre->call('exchange.in', ['node' => 'crm', 'message' => $up]);
    return [$r1, $r2];
};

$order = $crm->call('registry.put', ['kind' => 'order', 'date' => '2026-03-02',
    'items' => [['name' => 'Венок «Память»', 'quantity' => '1', 'price' => '3000.00', 'vat_rate' => 'none']],
    'custom' => ['amo_lead' => 1001]]);
check(str_starts_with($order['number'], 'CRM/'), 'a provisional number with the prefix: ' . $order['number']);
$round();
$round();
$found = $centre->call('registry.find', ['kind' => 'order']);
check(count($found['documents']) === 1, 'the order reached the centre');
$onCentre = $found['documents'][0];
check($onCentre['uid'] === $order['uid'], 'the same uid on both sides');
check(!str_starts_with($onCentre['number'], 'CRM/'), 'the centre gave the final number');
$back = $crm->call('registry.get', ['document' => $order['id']]);
check($back['number'] === $onCentre['number'], 'the CRM shows the final number: ' . $back['number']);

// A message altered on the way is refused, nothing applied.
$centre->call('registry.put', ['id' => $onCentre['id'], 'notes' => 'доставка к 10:00']);
$msg = $centre->call('exchange.out', ['node' => 'crm'])['message'];
$msg['objects'][0]['body']['notes'] = 'подменено';
$e = thrown(fn () => $crm->call('exchange.in', ['node' => 'centre', 'message' => $msg]));
check($e instanceof ValidationException, 'an altered message is refused: ' . describe($e));
$e = thrown(fn () => $crm->call('exchange.in', ['node' => 'centre', 'message' => '{"format": "opora.exch']));
check($e instanceof OporaInvalidArgument, 'a truncated message is refused: ' . describe($e));
$e = thrown(fn () => $crm->call('exchange.in', ['node' => 'nobody', 'message' => $msg]));
check($e instanceof NotFoundException, 'an unknown node: ' . describe($e));
check($crm->call('registry.get', ['document' => $order['id']])['notes'] === null, 'nothing applied');
$round();
check($crm->call('registry.get', ['document' => $order['id']])['notes'] === 'доставка к 10:00',
      'the genuine message applies');
$status = $centre->call('exchange.status', ['node' => 'crm']);
check($status['nodes'][0]['pending']['orders'] === 0, 'nothing pending: ' . json_encode($status['nodes'][0]['pending']));

$centre->close();
$crm->close();
finish();
