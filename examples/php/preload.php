<?php
/*
 * Loads libopora once at PHP start, for production under ffi.enable=preload
 * (where FFI::cdef is refused in web requests). Two uses:
 *
 * 1. From the shell, it writes the header for the ffi.preload ini setting
 *    (opora.ffi.h with FFI_SCOPE "OPORA" and FFI_LIB prepended):
 *
 *      php preload.php /usr/local/include/opora/opora.preload.h
 *
 *    Paths: OPORA_FFI_HEADER and OPORA_LIBRARY from the environment, else
 *    /usr/local/include/opora/opora.ffi.h and /usr/local/lib/libopora.so.0.
 *
 * 2. As opcache.preload, it defines \Opora\Opora and the exceptions for every
 *    request, and registers the FFI scope "OPORA" with FFI::load unless
 *    ffi.preload has already done so. new Opora($path) without header and
 *    library paths then uses FFI::scope("OPORA").
 *
 *    PHP refuses FFI::load in a preload that runs under opcache.preload_user,
 *    which it requires when it starts as root (php-fpm, Apache mod_php). So
 *    there, load the library with ffi.preload and let this file preload
 *    the classes only:
 *
 *      ; /etc/php/8.2/fpm/conf.d/90-opora.ini (apache2/conf.d for mod_php)
 *      ffi.enable = preload
 *      ffi.preload = /usr/local/include/opora/opora.preload.h
 *      opcache.preload = /opt/opora/php/preload.php    ; optional
 *      opcache.preload_user = www-data                 ; bitrix on BitrixVM
 *
 *    A PHP that does not start as root needs no ffi.preload: this file
 *    loads the library itself. A failure stops PHP from starting, with the
 *    reason in its log: better than every request failing later.
 */
declare(strict_types=1);

require_once __DIR__ . '/Opora.php';

if (PHP_SAPI === 'cli' && isset($argv[0]) && realpath($argv[0]) === __FILE__) {
    $text = \Opora\Opora::scopedHeader();
    if (!isset($argv[1]) || $argv[1] === '-') {
        echo $text;
    } elseif (file_put_contents($argv[1], $text) !== strlen($text)) {
        fwrite(STDERR, "preload.php: cannot write {$argv[1]}\n");
        exit(1);
    }
    return;
}

\Opora\Opora::preload();
