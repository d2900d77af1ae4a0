<?php
// examples/php/Opora.php on the edges: results put back as they came, JSON
// types (floats, big integers, Unicode, NUL), arrays against objects, memory
// over many results, several handles, read-only handles, preload().
// Exits 1 if any check fails.
// Usage: php -d ffi.enable=1 tests/php/test_opora_class_edges.php opora.ffi.h libopora.so
declare(strict_types=1);

use Opora\NotFoundException;
use Opora\Opora;
use Opora\OporaException;
use Opora\OporaInvalidArgument;
use Opora\StateException;
use Opora\ValidationException;

require_once __DIR__ . '/harness.php';

[$header, $lib] = harnessArguments($argv);
$tmp = scratchDir('edges');

$db = new Opora(':memory:', ['clock' => 'manual', 'now' => '2026-11-23T09:00:00Z'], $header, $lib);

// A result goes back as it came: opora answers "custom": {}, which PHP decodes
// to [] and encodes as a JSON list; opora takes an empty list wherever only an
// object fits. The CRM pattern "get, change one field, put" works.
$put = $db->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20']);
$doc = $db->call('registry.get', ['document' => $put['id']]);
$doc['notes'] = 'changed';
$doc['expected_version'] = $doc['version'];
$e = thrown(fn () => $db->call('registry.put', $doc));
check($e === null, 'registry.get result (custom: {}) put back unchanged but for notes: ' . describe($e));
// A custom field named "0": {"0": "x"} comes back as [0 => "x"], which PHP
// encodes as a list: refused with the field named, never stored as a list.
$put = $db->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20', 'custom' => (object) ['0' => 'x']]);
check(($put['custom'] ?? null) == ['0' => 'x'], 'custom {"0": "x"} stored');
$doc = $db->call('registry.get', ['document' => $put['id']]);
$doc['expected_version'] = $doc['version'];
$e = thrown(fn () => $db->call('registry.put', $doc));
check($e instanceof OporaInvalidArgument && str_contains($e->getMessage(), 'custom'),
      'custom {"0": "x"} put back as a list is refused naming custom: ' . describe($e));
$doc['custom'] = (object) $doc['custom'];
$e = thrown(fn () => $db->call('registry.put', $doc));
check($e === null, 'the same with (object) put back: ' . describe($e));

// ---- fine: empty params are {}, a list is refused --------------------------
check(($db->call('meta.version', [])['version'] ?? null) === $db->version(), 'params [] sent as {}');
$e = thrown(fn () => $db->call('registry.get', [7]));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EJSON, 'list params refused: ' . describe($e));

// ---- fine: floats, big ints, unicode ----------------------------------------
$custom = ['f' => 0.1, 'g' => 1.5e300, 'neg' => -2.25, 'max' => PHP_INT_MAX, 'min' => PHP_INT_MIN, 'beyond53' => 9007199254740993,
    'text' => "Ёлки 😀 \u{2028} \"q\" \\ / \0 end", 'ключ' => 'значение'];
$r = $db->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20', 'custom' => $custom]);
$got = $db->call('registry.get', ['document' => $r['id']])['custom'] ?? [];
foreach ($custom as $k => $v) {
    check(($got[$k] ?? null) === $v, "custom {$k} round trip: " . var_export($got[$k] ?? null, true));
}
$e = thrown(fn () => $db->call('registry.search', ['query' => NAN]));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EJSON && $e->getPrevious() instanceof \JsonException, 'NaN refused before the call: ' . describe($e));
$e = thrown(fn () => $db->call('registry.search', ['query' => "\xD0"]));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EJSON, 'truncated UTF-8 refused: ' . describe($e));

// ---- fine: exceptions carry every field error -------------------------------
$e = thrown(fn () => $db->call('registry.put', ['kind' => 'act', 'date' => '2026-11-20',
    'counterparty' => ['type' => 'company', 'name' => 'X', 'inn' => '7707083890', 'kpp' => '1'],
    'organization' => ['type' => 'company', 'name' => 'Y', 'inn' => '6663003127', 'kpp' => '2']]));
check($e instanceof ValidationException, 'validation: ' . describe($e));
if ($e instanceof ValidationException) {
    $fields = array_column($e->getErrors(), 'field');
    check(count($fields) >= 3 && in_array('counterparty.inn', $fields, true) && in_array('counterparty.kpp', $fields, true)
        && in_array('organization.kpp', $fields, true), 'all field errors at once: ' . json_encode($fields));
    foreach ($e->getErrors() as $fe) {
        check(array_keys($fe) === ['field', 'rule', 'message'] && $fe['rule'] !== '' && $fe['message'] !== '', 'field error shape: ' . json_encode($fe));
    }
    check($e->getMethod() === 'registry.put' && $e->getCodeName() === 'OPORA_EVALIDATION', 'method and code name');
}
$e = thrown(fn () => $db->call('registry.get', ['document' => 'one']));
check($e instanceof OporaInvalidArgument && ($e->getErrors()[0]['field'] ?? null) === 'document', 'wrongly typed document names the field: ' . describe($e));
// registry.get's old parameter name (id) is still taken this release; with the new one too it is refused.
$e = thrown(fn () => $db->call('registry.get', ['id' => 424242]));
check($e instanceof NotFoundException && ($e->getErrors()[0]['field'] ?? null) === 'document', 'old name id still reaches registry.get: ' . describe($e));
$e = thrown(fn () => $db->call('registry.get', ['id' => 1, 'document' => 1]));
check($e instanceof OporaInvalidArgument && ($e->getErrors()[0]['rule'] ?? null) === 'alias_conflict', 'id and document together: ' . describe($e));
$e = thrown(fn () => $db->call('registry.get', ['document' => 424242]));
check($e instanceof NotFoundException && $e->getErrors() !== [], 'not found carries its field error: ' . describe($e));

// ---- fine: results are released (opora_free), also after failures -----------
for ($i = 0; $i < 50; $i++) {
    $db->call('meta.methods');
}
$before = rssKib();
for ($i = 0; $i < 1500; $i++) {
    $db->call('meta.methods');  // ~100 KB each
    thrown(fn () => $db->call('registry.get', ['document' => 424242]));
}
$grown = rssKib() - $before;
check($before < 0 || $grown < 32 * 1024, "1500 large results and failures leave memory flat (grew {$grown} KiB)");

// ---- fine: library or header path wrong -------------------------------------
$e = thrown(fn () => new Opora(':memory:', [], $header, $tmp . '/nope/libopora.so'));
check($e instanceof OporaException && $e->getCode() === OporaException::ERROR && str_contains($e->getMessage(), 'nope/libopora.so'), 'missing library: ' . describe($e));
$e = thrown(fn () => new Opora(':memory:', [], $header, '/etc/hostname'));
check($e instanceof OporaException && $e->getCode() === OporaException::ERROR, 'not a library: ' . describe($e));
$e = thrown(fn () => new Opora(':memory:', [], '/etc/hostname', $lib));
check($e instanceof OporaException && $e->getCode() === OporaException::ERROR, 'not a header: ' . describe($e));
$e = thrown(fn () => new Opora($tmp . '/no/such/dir/x.db', [], $header, $lib));
check($e instanceof OporaException && $e->getCode() === OporaException::EIO, 'unopenable file: ' . describe($e));

// ---- fine: several instances, close, after close ----------------------------
$file = $tmp . '/shared.db';
$a = new Opora($file, [], $header, $lib);
$b = new Opora($file, [], $header, $lib);
$id = $a->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20'])['id'];
check(($b->call('registry.get', ['document' => $id])['id'] ?? null) === $id, 'second handle sees the first one\'s commit');
$a->close();
check(($b->call('meta.version')['version'] ?? null) === $b->version(), 'closing one handle leaves the other open');
$e = thrown(fn () => $a->call('meta.version'));
check($e instanceof StateException && $e->getCode() === OporaException::ESTATE, 'call after close: ' . describe($e));
$e = thrown(fn () => $a->call('meta.version', ['x' => NAN]));
check($e instanceof StateException, 'after close the state error comes first: ' . describe($e));
$a->close();
check(!$a->isOpen() && $b->isOpen(), 'isOpen per instance');
unset($b);
$c = new Opora($file, ['read_only' => true], $header, $lib);
check(($c->call('registry.get', ['document' => $id])['id'] ?? null) === $id, 'file intact after both handles went away');
$e = thrown(fn () => $c->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20']));
check($e instanceof OporaException, 'read_only handle refuses a write: ' . describe($e));
$c->close();

// Opora::preload() outside an opcache preload (CLI, opcache.preload off): what
// it loaded serves every new Opora() without explicit paths in this process.
putenv('OPORA_FFI_HEADER=/nonexistent/opora.ffi.h');
putenv('OPORA_LIBRARY=/nonexistent/libopora.so');
$e = thrown(fn () => Opora::preload($header, $lib));
check($e === null, 'Opora::preload with explicit paths: ' . describe($e));
$e = thrown(function (): void {
    $p = new Opora(':memory:');
    $p->close();
});
check($e === null, 'new Opora() without paths after Opora::preload() in the same process: ' . describe($e));

finish();
