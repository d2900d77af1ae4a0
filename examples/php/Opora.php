<?php
/*
 * Opora: the opora C ABI for PHP 8.2 through FFI, for a Bitrix24 (on-premise)
 * CRM module. One object is one open database (opora_db); every feature is a
 * method called with an array and answering an array:
 *
 *   require_once '/path/to/Opora.php';
 *   $db = new \Opora\Opora('/var/lib/opora/crm.db', ['synchronous' => 'normal']);
 *   $act = $db->call('registry.put', ['kind' => 'act', 'date' => '2026-11-20', ...]);
 *
 * Failures are exceptions (OporaException.php): ValidationException with the
 * field errors, NotFoundException, ConflictException, ... See README.md.
 *
 * Loading the library. new Opora() with no header/library paths first looks
 * for the FFI scope "OPORA" that preload.php registers at server start
 * (ffi.enable=preload, the production setting: FFI::cdef is refused in web
 * requests then). Without it, it calls FFI::cdef(header text, library path),
 * which needs ffi.enable=true, or the CLI. The paths come from the
 * arguments, else the PHP constants or environment variables
 * OPORA_FFI_HEADER and OPORA_LIBRARY, else the `cmake --install` defaults
 * /usr/local/include/opora/opora.ffi.h and /usr/local/lib/libopora.so.0.
 *
 * Strings are UTF-8 both ways. Money travels as strings ("120000.00"). An
 * empty PHP array is sent as [] except as the whole params ({}): pass
 * new \stdClass() where an empty JSON object is meant inside params.
 */
declare(strict_types=1);

namespace Opora;

require_once __DIR__ . '/OporaException.php';

final class Opora
{
    /** The FFI scope preload.php registers; see preload(). */
    public const FFI_SCOPE = 'OPORA';
    public const DEFAULT_HEADER = '/usr/local/include/opora/opora.ffi.h';
    public const DEFAULT_LIBRARY = '/usr/local/lib/libopora.so.0';

    private const ENCODE_FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;
    private const DECODE_FLAGS = JSON_BIGINT_AS_STRING | JSON_THROW_ON_ERROR;

    /** @var array<string, \FFI> one FFI instance per header and library, shared by handles */
    private static array $ffis = [];

    private \FFI $ffi;
    /** The opora_db* of the open handle; null once closed. */
    private ?\FFI\CData $db = null;

    /**
     * Opens (creating if needed) the database at $path: a file path, ":memory:"
     * or "" for a private temporary database.
     *
     * @param array<string, mixed> $options opora_db_open() options: synchronous
     *        ("full"|"normal"), busy_timeout_ms, clock ("system"|"manual"), now,
     *        utc_offset, read_only, max_file_bytes
     * @param string|null $headerPath the generated opora.ffi.h
     * @param string|null $libraryPath libopora.so
     * @throws OporaException OporaInvalidArgument for a bad option, the
     *         library's code when the file cannot be opened, OPORA_ERROR when
     *         FFI cannot load the library
     */
    public function __construct(string $path, array $options = [], ?string $headerPath = null, ?string $libraryPath = null)
    {
        $this->ffi = self::loadFfi($headerPath, $libraryPath);
        self::refuseNul($path, 'path', '');
        $db = $this->ffi->new('opora_db*');
        $rc = $this->ffi->opora_db_open(\FFI::addr($db), $path, $options === [] ? null : self::encode($options, ''));
        if ($rc !== OporaException::OK) {
            throw $this->lastError($rc, '');
        }
        $this->db = $db;
    }

    public function __destruct()
    {
        $this->close();
    }

    /** A copy would close the same handle twice. */
    private function __clone()
    {
    }

    /**
     * Calls one method ("registry.put", "billing.check", ...; "meta.methods"
     * lists them with their parameters) and returns its result object as an
     * associative array.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     * @throws OporaException the subclass of the failure's code; StateException
     *         when the handle is closed
     */
    public function call(string $method, array $params = []): array
    {
        $db = $this->handle($method);
        self::refuseNul($method, 'method', $method);
        $json = $params === [] ? '{}' : self::encode($params, $method);
        $out = $this->ffi->new('char*');
        try {
            $rc = $this->ffi->opora_db_call($db, $method, $json, \FFI::addr($out));
            if ($rc !== OporaException::OK) {
                throw $this->lastError($rc, $method);
            }
            $text = \FFI::string($out);
        } finally {
            // The result is ours: copied above, released here (NULL after a failure is fine).
            $this->ffi->opora_free($out);
        }
        try {
            $result = json_decode($text, true, 512, self::DECODE_FLAGS);
        } catch (\JsonException $e) {
            throw new OporaException(OporaException::EINTERNAL, 'result is not JSON: ' . $e->getMessage(), [], $method, null, $e);
        }
        if (!is_array($result)) {
            throw new OporaException(OporaException::EINTERNAL, 'result is not a JSON object', [], $method);
        }
        return $result;
    }

    /**
     * Closes the handle (an unfinished transaction is rolled back). Calling it
     * again does nothing; any call() afterwards throws StateException.
     */
    public function close(): void
    {
        if ($this->db !== null) {
            $db = $this->db;
            $this->db = null;
            $this->ffi->opora_db_close($db);
        }
    }

    public function isOpen(): bool
    {
        return $this->db !== null;
    }

    /** The loaded library's version, "MAJOR.MINOR.PATCH". */
    public function version(): string
    {
        return $this->ffi->opora_version();
    }

    /** MAJOR*1000000 + MINOR*1000 + PATCH of the loaded library. */
    public function versionNumber(): int
    {
        return $this->ffi->opora_version_number();
    }

    /**
     * For the opcache.preload script (preload.php): registers the FFI scope
     * "OPORA", which every new Opora() without explicit paths then uses.
     * Does nothing when the scope is already there (ffi.preload loaded
     * scopedHeader()). Otherwise loads the library with FFI::load, through a
     * temporary copy of the header with FFI_SCOPE and FFI_LIB prepended.
     * PHP refuses FFI::load when the preload runs in a child process under
     * opcache.preload_user (PHP started as root: php-fpm, Apache): use
     * ffi.preload there.
     *
     * @throws OporaException OPORA_ERROR when the header or library cannot be loaded
     */
    public static function preload(?string $headerPath = null, ?string $libraryPath = null): void
    {
        try {
            \FFI::scope(self::FFI_SCOPE);
            return;
        } catch (\FFI\Exception) {
            // Not loaded by ffi.preload: load it here.
        }
        [$header, $library] = self::paths($headerPath, $libraryPath);
        $scoped = self::scopedHeader($header, $library);
        $tmp = tempnam(sys_get_temp_dir(), 'opora-ffi-');
        if ($tmp === false) {
            throw new OporaException(OporaException::ERROR, 'cannot create a temporary file for FFI::load');
        }
        try {
            if (file_put_contents($tmp, $scoped) !== strlen($scoped)) {
                throw new OporaException(OporaException::ERROR, "cannot write {$tmp} for FFI::load");
            }
            $ffi = \FFI::load($tmp);
        } catch (\FFI\Exception $e) {
            throw new OporaException(OporaException::ERROR, "FFI::load of {$header} with {$library}: " . $e->getMessage(), [], '', null, $e);
        } finally {
            @unlink($tmp);
        }
        if ($ffi === null) {
            throw new OporaException(OporaException::ERROR, "FFI::load of {$header} with {$library} failed: " . (error_get_last()['message'] ?? 'see the log'));
        }
        // Outside an opcache preload FFI::load registers no scope: keep what it
        // loaded for every new Opora() without paths in this process.
        self::$ffis[self::FFI_SCOPE] = $ffi;
    }

    /**
     * The header for FFI::load and the ffi.preload ini setting: opora.ffi.h
     * with "#define FFI_SCOPE "OPORA"" and "#define FFI_LIB "<library>""
     * prepended (preload.php writes it to a file when run from the shell).
     *
     * @throws OporaException OPORA_ERROR when the header cannot be read
     */
    public static function scopedHeader(?string $headerPath = null, ?string $libraryPath = null): string
    {
        [$header, $library] = self::paths($headerPath, $libraryPath);
        if (strpbrk($library, "\"\r\n") !== false) {
            throw new OporaException(OporaException::ERROR, "library path {$library} cannot go into FFI_LIB");
        }
        return '#define FFI_SCOPE "' . self::FFI_SCOPE . "\"\n#define FFI_LIB \"{$library}\"\n" . self::readHeader($header);
    }

    /** @return \FFI\CData the open opora_db* */
    private function handle(string $method): \FFI\CData
    {
        if ($this->db === null) {
            throw new StateException(OporaException::ESTATE, 'the opora handle is closed', [], $method);
        }
        return $this->db;
    }

    /** The exception for the failure just returned, from opora_last_error_json(). */
    private function lastError(int $rc, string $method): OporaException
    {
        try {
            $error = json_decode($this->ffi->opora_last_error_json(), true, 64, self::DECODE_FLAGS);
        } catch (\JsonException) {
            $error = null;
        }
        if (!is_array($error) || ($error['code'] ?? null) !== $rc) {
            $error = ['code' => $rc, 'message' => $this->ffi->opora_strerror($rc), 'errors' => []];
        }
        return OporaException::fromError($error, $method);
    }

    private static function encode(array $value, string $method): string
    {
        try {
            return json_encode($value, self::ENCODE_FLAGS);
        } catch (\JsonException $e) {
            $hint = $e->getCode() === JSON_ERROR_UTF8 ? ' (opora takes UTF-8 text only)' : '';
            throw new OporaInvalidArgument(
                OporaException::EJSON,
                'params cannot be encoded as JSON: ' . $e->getMessage() . $hint,
                [],
                $method,
                null,
                $e
            );
        }
    }

    private static function refuseNul(string $value, string $what, string $method): void
    {
        if (str_contains($value, "\0")) {
            throw new OporaInvalidArgument(OporaException::EINVAL, "{$what} contains a NUL byte", [], $method);
        }
    }

    private static function loadFfi(?string $headerPath, ?string $libraryPath): \FFI
    {
        if (!extension_loaded('ffi')) {
            throw new OporaException(OporaException::ERROR, 'the PHP FFI extension is not loaded (Debian: php8.2-common ships it, see mods-available/ffi.ini)');
        }
        if ($headerPath === null && $libraryPath === null) {
            if (isset(self::$ffis[self::FFI_SCOPE])) {
                return self::$ffis[self::FFI_SCOPE];
            }
            try {
                return self::$ffis[self::FFI_SCOPE] = \FFI::scope(self::FFI_SCOPE);
            } catch (\FFI\Exception) {
                // Not preloaded: fall back to FFI::cdef below.
            }
        }
        [$header, $library] = self::paths($headerPath, $libraryPath);
        $key = $header . "\0" . $library;
        if (!isset(self::$ffis[$key])) {
            $text = self::readHeader($header);
            try {
                self::$ffis[$key] = \FFI::cdef($text, $library);
            } catch (\FFI\Exception $e) {
                throw new OporaException(
                    OporaException::ERROR,
                    "FFI::cdef of {$header} with {$library} (ffi.enable=" . ini_get('ffi.enable')
                        . '; web requests under ffi.enable=preload need preload.php): ' . $e->getMessage(),
                    [],
                    '',
                    null,
                    $e
                );
            }
        }
        return self::$ffis[$key];
    }

    /** @return array{string, string} the header and library paths to use */
    private static function paths(?string $headerPath, ?string $libraryPath): array
    {
        return [
            $headerPath ?? self::setting('OPORA_FFI_HEADER') ?? self::DEFAULT_HEADER,
            $libraryPath ?? self::setting('OPORA_LIBRARY') ?? self::DEFAULT_LIBRARY,
        ];
    }

    /** A PHP constant (dbconn.php, .settings) or else an environment variable. */
    private static function setting(string $name): ?string
    {
        if (\defined($name) && is_string(\constant($name)) && \constant($name) !== '') {
            return \constant($name);
        }
        $value = getenv($name);
        return is_string($value) && $value !== '' ? $value : null;
    }

    private static function readHeader(string $header): string
    {
        $text = is_file($header) ? file_get_contents($header) : false;
        if ($text === false) {
            throw new OporaException(
                OporaException::ERROR,
                "cannot read the FFI header {$header} (pass its path, or set OPORA_FFI_HEADER)"
            );
        }
        return $text;
    }
}
