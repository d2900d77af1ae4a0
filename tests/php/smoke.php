<?php
// Loads the generated macro-free header with PHP FFI and drives the C ABI
// the way a Bitrix24 module would. Usage: php smoke.php opora.ffi.h libopora.so
declare(strict_types=1);

[$script, $header, $lib] = $argv + [null, null, null];
$ffi = FFI::cdef(file_get_contents($header), $lib);
$passed = 0;
$failed = 0;
function check(bool $ok, string $what): void {
    global $passed, $failed;
    if ($ok) { $passed++; } else { $failed++; fwrite(STDERR, "check failed: $what\n"); }
}

// Borrowed const char* comes back as a PHP string.
check($ffi->opora_version() !== '', 'opora_version');
check($ffi->opora_version_number() > 0, 'opora_version_number');
check($ffi->opora_strerror(-2) === 'invalid argument', 'opora_strerror');

$db = $ffi->new('opora_db*');
$rc = $ffi->opora_db_open(FFI::addr($db), ':memory:', '{"clock":"manual","now":"2026-11-23"}');
check($rc === 0, "open: " . $ffi->opora_last_error_message());

// Owned char* stays CData: copy it, then release it with opora_free.
function call($ffi, $db, string $method, array $params): array {
    $out = $ffi->new('char*');
    $rc = $ffi->opora_db_call($db, $method, json_encode($params, JSON_UNESCAPED_UNICODE), FFI::addr($out));
    if ($rc !== 0) {
        return ['__error' => json_decode($ffi->opora_last_error_json(), true)];
    }
    $text = FFI::string($out);
    $ffi->opora_free($out);
    return json_decode($text, true);
}

$r = call($ffi, $db, 'calendar.add_working_days', ['calendar' => 'ru', 'date' => '2025-12-30', 'days' => 1]);
check(($r['date'] ?? null) === '2026-01-12', 'add_working_days: ' . json_encode($r));
$r = call($ffi, $db, 'calendar.is_working_day', ['calendar' => 'ru', 'date' => '2026-01-01']);
check(($r['working'] ?? null) === false && str_contains($r['note'] ?? '', 'Нов'), 'Cyrillic note: ' . json_encode($r, JSON_UNESCAPED_UNICODE));
$r = call($ffi, $db, 'requisites.validate', ['inn' => '7707083890']);
check(($r['valid'] ?? null) === false && $r['errors'][0]['rule'] === 'inn_checksum', 'requisites');
$r = call($ffi, $db, 'calendar.add_working_days', ['calendar' => 'ru', 'date' => '2026-01-01']);
check(($r['__error']['code'] ?? 0) === -2 && $r['__error']['errors'][0]['field'] === 'days', 'missing field');

$ffi->opora_db_close($db);
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
