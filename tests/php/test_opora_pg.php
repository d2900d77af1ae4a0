<?php
// examples/php's Opora class on PostgreSQL: the constructor takes a DSN where
// it takes a file, with the "schema" option, as a Bitrix24 module on several
// web servers would open one shared database. Needs OPORA_TEST_PG_DSN
// (exits 77, skipped, without it).
// Usage: php -d ffi.enable=1 test_opora_pg.php opora.ffi.h libopora.so
declare(strict_types=1);

use Opora\ConflictException;
use Opora\Opora;
use Opora\OporaInvalidArgument;

require_once __DIR__ . '/harness.php';

[$header, $lib] = harnessArguments($argv);
$dsn = getenv('OPORA_TEST_PG_DSN');
if (!is_string($dsn) || $dsn === '') {
    echo "skipped: needs a PostgreSQL server (OPORA_TEST_PG_DSN)\n";
    exit(77);
}
$schema = 'php_' . bin2hex(random_bytes(6));
register_shutdown_function(function () use ($dsn, $schema): void {
    exec('psql ' . escapeshellarg($dsn) . ' -qc ' . escapeshellarg("DROP SCHEMA IF EXISTS {$schema} CASCADE") . ' 2>&1');
});
$options = ['schema' => $schema, 'clock' => 'manual', 'now' => '2026-11-23T09:00:00Z'];

// Two web servers: two handles on one schema.
$a = new Opora($dsn, $options, $header, $lib);
$b = new Opora($dsn, $options, $header, $lib);
$a->call('billing.tariff.define', ['tariff' => 'net', 'name' => 'Интернет 100', 'fee' => '500.00']);
$a->call('billing.account.put', ['account' => 'A-1', 'holder' => ['type' => 'person', 'name' => 'Иванов Иван']]);
$first = $a->call('billing.pay', ['channel' => 'kassa', 'txn_id' => 'T-1', 'account' => 'A-1', 'amount' => '1200.50']);
check(($first['balance'] ?? null) === '1200.50', 'first payment: ' . json_encode($first));
// The other handle sees it at its next call, and a repeat is answered as first.
$again = $b->call('billing.pay', ['channel' => 'kassa', 'txn_id' => 'T-1', 'account' => 'A-1', 'amount' => '1200.50']);
check(($again['receipt'] ?? null) === $first['receipt'] && ($again['replayed'] ?? null) === true, 'repeat through b: ' . json_encode($again));
$balance = $b->call('billing.balance', ['account' => 'A-1']);
check(($balance['balance'] ?? null) === '1200.50', 'balance through b: ' . json_encode($balance));
// The guarantees are the library's, whatever the engine: a reused txn_id is a conflict.
$e = thrown(fn () => $b->call('billing.pay', ['channel' => 'kassa', 'txn_id' => 'T-1', 'account' => 'A-1', 'amount' => '1.00']));
check($e instanceof ConflictException, 'reused txn_id: ' . describe($e));
// "schema" belongs to a server: on a file it is refused, naming the option.
$e = thrown(fn () => new Opora(':memory:', ['schema' => 'x'], $header, $lib));
check($e instanceof OporaInvalidArgument && str_contains($e->getMessage(), 'schema'), 'schema on a file: ' . describe($e));
$a->close();
$b->close();
// Reopened: the data is the server's.
$c = new Opora($dsn, $options, $header, $lib);
$list = $c->call('billing.account.list', []);
check(count($list['accounts'] ?? []) === 1, 'reopened: ' . json_encode($list));
$c->close();
finish();
