<?php
// What a Bitrix24 module naturally sends, read strictly and forgivingly
// (opora_db_call in opora.h): a misspelt key refused with the name it meant,
// floats and ints for amounts, midnight DateTime text for dates, null for
// unset fields.
// Usage: php -d ffi.enable=1 test_strict_params.php opora.ffi.h libopora.so
declare(strict_types=1);

use Opora\Opora;
use Opora\OporaException;
use Opora\OporaInvalidArgument;

require_once __DIR__ . '/harness.php';

[$header, $lib] = harnessArguments($argv);
$db = new Opora(':memory:', ['clock' => 'manual', 'now' => '2026-01-15T09:00:00Z'], $header, $lib);

/** [field, rule] pairs of an exception's field errors. */
function rules(?\Throwable $e): array
{
    return $e instanceof OporaException
        ? array_map(fn (array $f): array => [$f['field'], $f['rule']], $e->getErrors()) : [];
}

// ---- an unknown key is refused, at any depth, with the name it meant --------
$e = thrown(fn () => $db->call('registry.find', ['knd' => 'act']));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EINVAL
    && rules($e) === [['knd', 'unknown_field']]
    && str_contains($e->getMessage(), 'did you mean "kind"?'), 'misspelt filter refused: ' . describe($e));
$e = thrown(fn () => $db->call('registry.put', ['kind' => 'order', 'date' => '2026-01-15',
    'items' => [['name' => 'Монтаж', 'qty' => 1, 'price' => 100, 'vat_rate' => 22]]]));
check($e instanceof OporaInvalidArgument && in_array(['items[0].qty', 'unknown_field'], rules($e), true)
    && str_contains($e->getMessage(), 'did you mean "quantity"?'), 'items[0].qty refused: ' . describe($e));

// ---- floats and ints where amounts, quantities and rates go -----------------
$price = 499.99;  // a PHP float: json_encode writes its shortest text, 499.99
$doc = $db->call('registry.put', ['kind' => 'order', 'date' => '2026-01-15',
    'items' => [['name' => 'Монтаж', 'quantity' => 2, 'price' => $price, 'vat_rate' => 22]]]);
check(($doc['totals']['gross'] ?? null) === '999.98', 'float and int amounts: ' . json_encode($doc['totals'] ?? null));
$e = thrown(fn () => $db->call('registry.put', ['kind' => 'order', 'date' => '2026-01-15',
    'items' => [['name' => 'Монтаж', 'quantity' => 1, 'price' => 0.1 + 0.2, 'vat_rate' => 22]]]));
check($e instanceof OporaInvalidArgument && rules($e) === [['items[0].price', 'inexact_number']]
    && str_contains($e->getMessage(), '0.30000000000000004'), '0.1 + 0.2 refused, saying why: ' . describe($e));

// ---- a DateTime at midnight is its date; another time is refused ------------
$date = (new \DateTimeImmutable('2026-01-15 00:00:00'))->format('Y-m-d\TH:i:s');
$letter = $db->call('registry.put', ['kind' => 'letter', 'date' => $date]);
check(($letter['date'] ?? null) === '2026-01-15', 'midnight date-time read as the date: ' . json_encode($letter['date'] ?? null));
$e = thrown(fn () => $db->call('registry.put', ['kind' => 'letter', 'date' => '2026-01-15T14:30:00']));
check($e instanceof OporaInvalidArgument && rules($e) === [['date', 'date']], 'a time of day refused for a date: ' . describe($e));

// ---- null for an unset field is absent --------------------------------------
$all = $db->call('registry.find', []);
$withNulls = $db->call('registry.find', ['kind' => null, 'limit' => null, 'after' => null, 'custom' => null]);
check($withNulls == $all && count($all['documents'] ?? []) === 2, 'nulls are absent: ' . json_encode($withNulls));
$e = thrown(fn () => $db->call('billing.account.list', ['limit' => null, 'after' => null]));
check($e === null, 'billing.account.list with null limit: ' . describe($e));
$e = thrown(fn () => $db->call('workflow.tick', ['now' => null, 'limit' => null]));
check($e === null, 'workflow.tick with nulls: ' . describe($e));

finish();
