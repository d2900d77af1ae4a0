<?php
// What the PHP tests share: the arguments (opora.ffi.h, libopora.so), check()
// with its counters, thrown()/describe() for exceptions, the process's RSS, a
// scratch directory removed at exit, and the closing line and exit code.
declare(strict_types=1);

use Opora\OporaException;

require_once dirname(__DIR__, 2) . '/examples/php/Opora.php';

/** @return array{string, string} the FFI header and the library from the command line */
function harnessArguments(array $argv): array
{
    [$script, $header, $lib] = $argv + [null, null, null];
    if (!is_string($header) || !is_string($lib)) {
        fwrite(STDERR, 'usage: php -d ffi.enable=1 ' . basename((string) $script) . " opora.ffi.h libopora.so\n");
        exit(2);
    }
    return [$header, $lib];
}

$passed = 0;
$failed = 0;
function check(bool $ok, string $what): void
{
    global $passed, $failed;
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        fwrite(STDERR, "check failed: {$what}\n");
    }
}

/** Runs $fn and returns what it threw (null if nothing). */
function thrown(callable $fn): ?\Throwable
{
    try {
        $fn();
    } catch (\Throwable $e) {
        return $e;
    }
    return null;
}

function describe(?\Throwable $e): string
{
    if ($e === null) {
        return 'nothing thrown';
    }
    $extra = $e instanceof OporaException ? ' ' . $e->getCodeName() . ' ' . json_encode($e->getErrors(), JSON_UNESCAPED_UNICODE) : '';
    return get_class($e) . ' (' . $e->getCode() . '): ' . $e->getMessage() . $extra;
}

/** The resident set size of this process in KiB (-1 where /proc is missing). */
function rssKib(): int
{
    $status = @file_get_contents('/proc/self/status');
    return is_string($status) && preg_match('/^VmRSS:\s+(\d+)/m', $status, $m) ? (int) $m[1] : -1;
}

/** A scratch directory for this run, emptied and removed when the script ends. */
function scratchDir(string $name): string
{
    $dir = sys_get_temp_dir() . "/opora-php-{$name}-" . getmypid();
    @mkdir($dir, 0700, true);
    register_shutdown_function(function () use ($dir): void {
        array_map('unlink', glob($dir . '/*') ?: []);
        @rmdir($dir);
    });
    return $dir;
}

/** Prints the counts and exits 0 only if no check failed. */
function finish(): never
{
    global $passed, $failed;
    echo "{$passed} passed, {$failed} failed\n";
    exit($failed === 0 ? 0 : 1);
}
