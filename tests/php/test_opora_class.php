<?php
// Drives examples/php/Opora.php, the Bitrix24-style class over FFI, the way a
// CRM module would: arrays in and out, failures as typed exceptions, the
// handle closed by close() or the destructor, and the library loaded through
// the FFI scope of preload.php / ffi.preload.
// Usage: php -d ffi.enable=1 test_opora_class.php opora.ffi.h libopora.so
declare(strict_types=1);

use Opora\ConflictException;
use Opora\NotFoundException;
use Opora\Opora;
use Opora\OporaException;
use Opora\OporaInvalidArgument;
use Opora\StateException;
use Opora\UnknownMethodException;
use Opora\ValidationException;

require_once __DIR__ . '/harness.php';
$examples = dirname(__DIR__, 2) . '/examples/php';

[$header, $lib] = harnessArguments($argv);
$tmp = scratchDir('class');

// ---- open, version ----------------------------------------------------------
$db = new Opora(':memory:', ['clock' => 'manual', 'now' => '2026-11-23T09:00:00Z', 'utc_offset' => '+03:00'], $header, $lib);
check($db->isOpen(), 'isOpen after open');
check(preg_match('/^\d+\.\d+\.\d+$/', $db->version()) === 1, 'version(): ' . $db->version());
$meta = $db->call('meta.version');
check(($meta['version'] ?? null) === $db->version(), 'meta.version agrees with version(): ' . json_encode($meta));
check(($meta['version_number'] ?? null) === $db->versionNumber(), 'meta.version version_number');
check(is_int($meta['schema']['registry'] ?? null), 'meta.version schema.registry');
$clock = $db->call('clock.get', []);
check(($clock['today'] ?? null) === '2026-11-23' && ($clock['mode'] ?? null) === 'manual', 'manual clock: ' . json_encode($clock));

// ---- a registry document with Cyrillic text, put and got back ---------------
$counterparty = ['type' => 'company', 'name' => 'ООО «Ромашка»', 'inn' => '7707083893', 'kpp' => '773601001'];
$act = [
    'kind' => 'act',
    'date' => '2026-11-20',
    'refs' => ['bitrix24:deal:42'],
    'organization' => ['type' => 'company', 'name' => 'ООО «Вектор»', 'inn' => '6663003127', 'kpp' => '666301001'],
    'counterparty' => $counterparty,
    'items' => [['name' => 'Внедрение интеграции с Битрикс24', 'unit' => 'усл.', 'quantity' => '1', 'price' => '120000.00', 'vat_rate' => '22']],
    'basis_text' => 'Договор № 7/2026 от 01.11.2026',
    'notes' => "Ёлки-палки: «кавычки», тире — и юникод ✓ \"escaped\" / slash",
    'custom' => ['менеджер' => 'Иванова А. П.', 'bitrix_deal' => 42],
    'actor' => 'bitrix24:user:1',
];
$put = $db->call('registry.put', $act);
check(is_int($put['id'] ?? null) && str_starts_with($put['number'] ?? '', 'АКТ-'), 'registry.put: ' . json_encode($put, JSON_UNESCAPED_UNICODE));
$got = $db->call('registry.get', ['document' => $put['id']]);
foreach (['organization', 'counterparty', 'basis_text', 'notes', 'custom', 'refs'] as $field) {
    check(($got[$field] ?? null) === $act[$field], "registry.get {$field} identical: " . json_encode($got[$field] ?? null, JSON_UNESCAPED_UNICODE));
}
check(($got['items'][0]['name'] ?? null) === $act['items'][0]['name'] && ($got['items'][0]['unit'] ?? null) === 'усл.', 'item name and unit identical');
check(($got['totals']['gross'] ?? null) === '120000.00' && ($got['totals']['vat'] ?? null) === '21639.34', 'totals as money strings: ' . json_encode($got['totals'] ?? null));
check(($got['number'] ?? null) === $put['number'], 'registry.get number');
$commonKeys = array_intersect_key($got, $put);
check($commonKeys == array_intersect_key($put, $got) && count($commonKeys) >= 20, 'registry.get equals registry.put on common fields');
$found = $db->call('registry.search', ['query' => 'ромашка']);
check(count($found['documents'] ?? []) === 1, 'registry.search finds Cyrillic case-insensitively: ' . json_encode($found, JSON_UNESCAPED_UNICODE));

// ---- failures as typed exceptions -------------------------------------------
$bad = $act;
$bad['counterparty']['inn'] = '7707083890';  // check digit should be 3
$bad['organization']['kpp'] = '12345';       // 9 digits
$e = thrown(fn () => $db->call('registry.put', $bad));
check($e instanceof ValidationException && $e instanceof OporaException && $e instanceof \RuntimeException, 'bad INN: ValidationException, got ' . describe($e));
if ($e instanceof ValidationException) {
    check($e->getCode() === -6 && $e->getCode() === OporaException::EVALIDATION, 'validation code -6');
    check($e->getCodeName() === 'OPORA_EVALIDATION', 'validation code name');
    check($e->getMethod() === 'registry.put', 'validation method');
    $fields = array_column($e->getErrors(), 'field');
    check(in_array('counterparty.inn', $fields, true), 'field errors name counterparty.inn: ' . json_encode($fields));
    check(in_array('organization.kpp', $fields, true), 'every field error at once, organization.kpp too: ' . json_encode($fields));
    $rules = array_column($e->getErrors(), 'rule', 'field');
    check(($rules['counterparty.inn'] ?? null) === 'inn_checksum', 'rule inn_checksum');
    check(str_contains($e->getFieldMessages()['counterparty.inn'] ?? '', 'check digit'), 'getFieldMessages: ' . json_encode($e->getFieldMessages()));
    check($e->getMessage() !== '', 'validation message');
}
$count = $db->call('registry.find', ['ref' => 'bitrix24:deal:42']);
check(count($count['documents'] ?? []) === 1, 'the failed put stored nothing');

$e = thrown(fn () => $db->call('no.such_method', ['x' => 1]));
check($e instanceof UnknownMethodException, 'unknown method: UnknownMethodException, got ' . describe($e));
check($e instanceof OporaException && $e->getCode() === -12 && $e->getCodeName() === 'OPORA_ENOMETHOD', 'unknown method code OPORA_ENOMETHOD');
check($e instanceof OporaException && str_contains($e->getMessage(), 'no.such_method'), 'unknown method message names it');

$e = thrown(fn () => $db->call('registry.get', ['document' => 999]));
check($e instanceof NotFoundException && $e->getCode() === OporaException::ENOTFOUND && $e->getCodeName() === 'OPORA_ENOTFOUND', 'registry.get 999: NotFoundException, got ' . describe($e));

$e = thrown(fn () => $db->call('registry.put', ['id' => $put['id'], 'expected_version' => 99, 'notes' => 'x']));
check($e instanceof ConflictException && $e->getCode() === OporaException::ECONFLICT, 'stale expected_version: ConflictException, got ' . describe($e));

$e = thrown(fn () => $db->call('registry.get', []));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EINVAL && in_array('document', array_column($e->getErrors(), 'field'), true), 'missing document: OporaInvalidArgument naming document, got ' . describe($e));
check(!($e instanceof \InvalidArgumentException), 'OporaInvalidArgument is not PHP\'s InvalidArgumentException');

$e = thrown(fn () => $db->call('registry.get', [1, 2]));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EJSON && $e->getCodeName() === 'OPORA_EJSON', 'a list as params: OPORA_EJSON, got ' . describe($e));

$e = thrown(fn () => $db->call('registry.search', ['query' => "\xCF\xF0\xE8\xE2\xE5\xF2"]));  // windows-1251 "Привет"
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EJSON && $e->getPrevious() instanceof \JsonException, 'windows-1251 text: OporaInvalidArgument from JsonException, got ' . describe($e));

$e = thrown(fn () => $db->call("meta.version\0x"));
check($e instanceof OporaInvalidArgument && $e->getCode() === OporaException::EINVAL, 'NUL in method name refused, got ' . describe($e));

$e = thrown(fn () => new Opora(':memory:', ['clock' => 'manual', 'bogus' => 1], $header, $lib));
check($e instanceof OporaInvalidArgument && ($e->getErrors()[0]['field'] ?? null) === 'bogus', 'unknown open option: OporaInvalidArgument naming it, got ' . describe($e));
$e = thrown(fn () => new Opora(':memory:', [], $tmp . '/missing.h', $lib));
check($e instanceof OporaException && $e->getCode() === OporaException::ERROR && str_contains($e->getMessage(), 'missing.h'), 'missing header reported, got ' . describe($e));

// The library keeps working after each failure.
check(($db->call('meta.version')['version'] ?? null) === $db->version(), 'calls work after failures');

// ---- owned results are freed: many large results, flat memory ---------------
$big = $db->call('registry.put', ['kind' => 'letter', 'date' => '2026-11-20', 'notes' => str_repeat('Длинная заметка. ', 3000)]);
$before = rssKib();
for ($i = 0; $i < 1000; $i++) {
    $r = $db->call('registry.get', ['document' => $big['id']]);  // ~93 KB of JSON each
}
$grown = rssKib() - $before;
check(strlen($r['notes']) === strlen(str_repeat('Длинная заметка. ', 3000)), 'large Cyrillic notes round trip');
check($before < 0 || $grown < 24 * 1024, "1000 large results leave memory flat (grew {$grown} KiB; leaking them would be ~90 MiB)");

// ---- close, use after close -------------------------------------------------
$db->close();
check(!$db->isOpen(), 'isOpen after close');
$e = thrown(fn () => $db->call('meta.version'));
check($e instanceof StateException && $e->getCode() === OporaException::ESTATE && $e->getCodeName() === 'OPORA_ESTATE', 'call after close: StateException, got ' . describe($e));
check(thrown(fn () => $db->close()) === null, 'close twice is harmless');
check($db->version() !== '', 'version() after close');
check(thrown(fn () => clone $db) instanceof \Error, 'clone refused');

// ---- the destructor closes: a file database is checkpointed and left whole --
$file = $tmp . '/crm.db';
$fileDb = new Opora($file, ['synchronous' => 'normal'], $header, $lib);
$id = $fileDb->call('registry.put', ['kind' => 'contract', 'date' => '2026-11-01', 'counterparty' => $counterparty])['id'];
check(file_exists($file . '-wal'), 'WAL file while open');
unset($fileDb);
check(!file_exists($file . '-wal'), 'destructor closed the handle (WAL checkpointed and removed)');
$reopened = new Opora($file, [], $header, $lib);
check(($reopened->call('registry.get', ['document' => $id])['counterparty']['name'] ?? null) === 'ООО «Ромашка»', 'reopened file has the document');
$reopened->close();

// ---- preload: ffi.preload header from preload.php, opcache.preload ----------
// The child opens with new Opora(':memory:'), no paths: only the FFI scope "OPORA" can serve it.
$child = $tmp . '/child.php';
file_put_contents($child, '<?php
declare(strict_types=1);
$preloaded = class_exists(\\Opora\\Opora::class, false);
require_once ' . var_export($examples . '/Opora.php', true) . ';
putenv("OPORA_FFI_HEADER=/nonexistent/opora.ffi.h");
$db = new \\Opora\\Opora(":memory:");
echo json_encode(["preloaded" => $preloaded, "version" => $db->call("meta.version")["version"]]);
');
function runPhp(array $ini, array $args, array $env): array
{
    $cmd = [PHP_BINARY];
    foreach ($ini as $k => $v) {
        $cmd[] = '-d';
        $cmd[] = "{$k}={$v}";
    }
    $proc = proc_open(array_merge($cmd, $args), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env + getenv());
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return [proc_close($proc), $out, $err];
}
$env = ['OPORA_FFI_HEADER' => $header, 'OPORA_LIBRARY' => $lib];
$scoped = $tmp . '/opora.preload.h';
[$rc, $out, $err] = runPhp(['ffi.enable' => 'preload'], [$examples . '/preload.php', $scoped], $env);
check($rc === 0 && str_starts_with((string) @file_get_contents($scoped), "#define FFI_SCOPE \"OPORA\"\n#define FFI_LIB \"{$lib}\"\n"), "php preload.php writes the ffi.preload header: {$rc} {$err}");

[$rc, $out, $err] = runPhp(['ffi.enable' => 'preload', 'ffi.preload' => $scoped], [$child], []);
$r = json_decode($out, true);
check($rc === 0 && ($r['version'] ?? null) === $db->version(), "ffi.preload: new Opora() through FFI::scope: {$rc} {$out} {$err}");

if (extension_loaded('Zend OPcache')) {
    $root = function_exists('posix_geteuid') && posix_geteuid() === 0;
    $ini = ['ffi.enable' => 'preload', 'opcache.enable_cli' => '1', 'opcache.preload' => $examples . '/preload.php'];
    if ($root) {
        // PHP started as root preloads under opcache.preload_user, where it refuses FFI::load: ffi.preload loads the library.
        $ini += ['opcache.preload_user' => 'root', 'ffi.preload' => $scoped];
    }
    [$rc, $out, $err] = runPhp($ini, [$child], $env);
    $r = json_decode($out, true);
    check($rc === 0 && ($r['version'] ?? null) === $db->version() && ($r['preloaded'] ?? null) === true,
        'opcache.preload=preload.php' . ($root ? ' with ffi.preload' : ' with FFI::load') . ": classes preloaded, scope used: {$rc} {$out} {$err}");
} else {
    echo "opcache not loaded: opcache.preload not checked\n";
}

finish();
