package modarch.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** One-line descriptions of I/O failures: the JDK leaves the reason out of some (an AccessDeniedException's message is just its path). */
public final class IOFaults {
    private IOFaults() {
    }

    /** The OS's reason alone ("No space left on device", "permission denied"), without the path. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException) {
            FileSystemException fs = (FileSystemException) e;
            if (fs.getReason() != null && !fs.getReason().isBlank()) return oneLine(fs.getReason());
            if (e instanceof AccessDeniedException) return "permission denied";
            if (e instanceof NoSuchFileException) return "no such file or directory";
            if (e instanceof FileAlreadyExistsException) return "already exists";
            if (e instanceof NotDirectoryException) return "not a directory";
            if (e instanceof DirectoryNotEmptyException) return "directory not empty";
            if (e instanceof FileSystemLoopException) return "too many levels of symbolic links";
            return e.getClass().getSimpleName();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : oneLine(message);
    }

    /** The whole failure in one line: for a file system exception "PATH: REASON" (and " -> OTHER" when it names two). */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException) {
            FileSystemException fs = (FileSystemException) e;
            if (fs.getFile() == null) return reason(e);
            return fs.getFile() + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile()) + ": " + reason(e);
        }
        return reason(e);
    }

    /** True for failures that come from the path itself, not the machine: a name too long, a file where a directory is needed. */
    public static boolean badPath(IOException e) {
        if (e instanceof NotDirectoryException || e instanceof FileAlreadyExistsException) return true;
        if (!(e instanceof FileSystemException)) return false;
        String reason = String.valueOf(((FileSystemException) e).getReason());
        return reason.equals("File name too long") || reason.equals("Not a directory");
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
