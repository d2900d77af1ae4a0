<?php
/*
 * Exceptions thrown by \Opora\Opora (see Opora.php and README.md).
 *
 * Every failure of the library is an OporaException carrying what
 * opora_last_error_json() reported: the negative OPORA_E* code (getCode()),
 * its name (getCodeName(), "OPORA_EVALIDATION"), the message (getMessage())
 * and every field error at once (getErrors()). The main codes have their own
 * subclasses so a module can catch just what it handles:
 *
 *   OPORA_EVALIDATION              ValidationException
 *   OPORA_ENOTFOUND                NotFoundException
 *   OPORA_ECONFLICT                ConflictException
 *   OPORA_EINVAL, OPORA_EJSON      OporaInvalidArgument (named so as not to be
 *                                  mistaken for PHP's \InvalidArgumentException)
 *   OPORA_ESTATE                   StateException (also: the handle is closed)
 *   OPORA_EBUSY                    BusyException (another request holds the
 *                                  lock; worth a retry)
 *   OPORA_ENOMETHOD                UnknownMethodException
 *   anything else                  OporaException itself
 */
declare(strict_types=1);

namespace Opora;

class OporaException extends \RuntimeException
{
    /* The status codes of include/opora/opora.h; never renumbered. */
    public const OK = 0;
    public const ERROR = -1;
    public const EINVAL = -2;
    public const EJSON = -3;
    public const ENOTFOUND = -4;
    public const ECONFLICT = -5;
    public const EVALIDATION = -6;
    public const EBUSY = -7;
    public const EIO = -8;
    public const ECORRUPT = -9;
    public const EINTERNAL = -10;
    public const ENOMEM = -11;
    public const ENOMETHOD = -12;
    public const ESTATE = -13;
    public const EOVERFLOW = -14;

    public const NAMES = [
        self::OK => 'OPORA_OK',
        self::ERROR => 'OPORA_ERROR',
        self::EINVAL => 'OPORA_EINVAL',
        self::EJSON => 'OPORA_EJSON',
        self::ENOTFOUND => 'OPORA_ENOTFOUND',
        self::ECONFLICT => 'OPORA_ECONFLICT',
        self::EVALIDATION => 'OPORA_EVALIDATION',
        self::EBUSY => 'OPORA_EBUSY',
        self::EIO => 'OPORA_EIO',
        self::ECORRUPT => 'OPORA_ECORRUPT',
        self::EINTERNAL => 'OPORA_EINTERNAL',
        self::ENOMEM => 'OPORA_ENOMEM',
        self::ENOMETHOD => 'OPORA_ENOMETHOD',
        self::ESTATE => 'OPORA_ESTATE',
        self::EOVERFLOW => 'OPORA_EOVERFLOW',
    ];

    private const CLASSES = [
        self::EVALIDATION => ValidationException::class,
        self::ENOTFOUND => NotFoundException::class,
        self::ECONFLICT => ConflictException::class,
        self::EINVAL => OporaInvalidArgument::class,
        self::EJSON => OporaInvalidArgument::class,
        self::ESTATE => StateException::class,
        self::EBUSY => BusyException::class,
        self::ENOMETHOD => UnknownMethodException::class,
    ];

    private string $codeName;
    /** @var list<array{field: string, rule: string, message: string}> */
    private array $errors;
    private string $method;

    /**
     * @param list<array{field: string, rule: string, message: string}> $errors
     */
    final public function __construct(
        int $code,
        string $message,
        array $errors = [],
        string $method = '',
        ?string $codeName = null,
        ?\Throwable $previous = null
    ) {
        parent::__construct($message, $code, $previous);
        $this->codeName = $codeName ?? (self::NAMES[$code] ?? 'OPORA_ERROR');
        $this->errors = $errors;
        $this->method = $method;
    }

    /**
     * The exception for a decoded opora_last_error_json() object, of the
     * subclass its code maps to.
     *
     * @param array<string, mixed> $error
     */
    public static function fromError(array $error, string $method = '', ?\Throwable $previous = null): self
    {
        $code = is_int($error['code'] ?? null) ? $error['code'] : self::ERROR;
        $class = self::CLASSES[$code] ?? self::class;
        $errors = [];
        foreach (is_array($error['errors'] ?? null) ? $error['errors'] : [] as $e) {
            if (is_array($e)) {
                $errors[] = [
                    'field' => (string) ($e['field'] ?? ''),
                    'rule' => (string) ($e['rule'] ?? ''),
                    'message' => (string) ($e['message'] ?? ''),
                ];
            }
        }
        return new $class(
            $code,
            is_string($error['message'] ?? null) ? $error['message'] : '',
            $errors,
            $method,
            is_string($error['name'] ?? null) ? $error['name'] : null,
            $previous
        );
    }

    /** The code's name: "OPORA_EVALIDATION", "OPORA_ENOTFOUND", ... */
    public function getCodeName(): string
    {
        return $this->codeName;
    }

    /**
     * Every field error, in the library's order:
     * [['field' => 'counterparty.inn', 'rule' => 'inn_checksum', 'message' => '...'], ...]
     * Empty when the failure is not about a particular field.
     *
     * @return list<array{field: string, rule: string, message: string}>
     */
    public function getErrors(): array
    {
        return $this->errors;
    }

    /**
     * The field errors as field => message (several messages of one field
     * joined with "; "), ready to show next to a form's inputs.
     *
     * @return array<string, string>
     */
    public function getFieldMessages(): array
    {
        $out = [];
        foreach ($this->errors as $e) {
            $out[$e['field']] = isset($out[$e['field']]) ? $out[$e['field']] . '; ' . $e['message'] : $e['message'];
        }
        return $out;
    }

    /** The method that failed ("registry.put"), or "" for open and the like. */
    public function getMethod(): string
    {
        return $this->method;
    }
}

/** OPORA_EVALIDATION: a well-formed request that breaks a business rule; see getErrors(). */
class ValidationException extends OporaException
{
}

/** OPORA_ENOTFOUND: the document, account, year... named does not exist. */
class NotFoundException extends OporaException
{
}

/** OPORA_ECONFLICT: already exists, or conflicts with stored state (expected_version). */
class ConflictException extends OporaException
{
}

/**
 * OPORA_EINVAL or OPORA_EJSON: a malformed request (a field missing, unknown, of the
 * wrong type, or outside its format, enumeration, length or range), or params that
 * are not a JSON object.
 */
class OporaInvalidArgument extends OporaException
{
}

/** OPORA_ESTATE: not allowed in the current state; also thrown for a closed handle. */
class StateException extends OporaException
{
}

/** OPORA_EBUSY: the database stayed locked by another connection beyond busy_timeout_ms. */
class BusyException extends OporaException
{
}

/** OPORA_ENOMETHOD: no such method; meta.methods lists them all. */
class UnknownMethodException extends OporaException
{
}
