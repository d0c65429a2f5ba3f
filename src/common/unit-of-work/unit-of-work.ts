import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, ObjectLiteral, Repository } from 'typeorm';

type AfterCommit = () => void | Promise<void>;

interface Work {
  manager: EntityManager;
  /** Run after the outermost commit, in order; dropped on rollback. */
  afterCommit: AfterCommit[];
  savepoints: number;
}

/**
 * "Transaction, audit entry, publish" in one place. `run` opens a transaction, or joins
 * the caller's (found through AsyncLocalStorage, so nested service calls need no manager
 * parameter); what the work announces (server-change events, activity notifications) is
 * queued with `afterCommit` and delivered only once the outermost transaction has
 * committed — a rolled-back import announces nothing. Services bind their injected
 * repositories to the current transaction with `with(repository)`.
 */
@Injectable()
export class UnitOfWork {
  private readonly log = new Logger(UnitOfWork.name);
  private readonly current = new AsyncLocalStorage<Work>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** True inside `run`. */
  get active(): boolean {
    return this.current.getStore() !== undefined;
  }

  /** The current transaction's manager, or the data source's outside one. */
  get manager(): EntityManager {
    return this.current.getStore()?.manager ?? this.db.manager;
  }

  /** `repository` bound to the current transaction (as it is, outside one). */
  with<R extends Repository<ObjectLiteral>>(repository: R): R {
    const work = this.current.getStore();
    return work ? work.manager.withRepository(repository) : repository;
  }

  /**
   * Runs `work` in a transaction; inside another `run` it joins that one (and its
   * after-commit callbacks wait for the outermost commit). Resolves once the commit's
   * callbacks have run, so a caller knows the change is live.
   */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const joined = this.current.getStore();
    if (joined) return work(joined.manager);
    const afterCommit: AfterCommit[] = [];
    const result = await this.db.transaction((manager) =>
      this.current.run({ manager, afterCommit, savepoints: 0 }, () => work(manager)),
    );
    // Outside the transaction's context: a callback that touches the database opens its own.
    for (const callback of afterCommit) await this.safely(callback);
    return result;
  }

  /**
   * Runs `work` under a savepoint of the current transaction: when it fails, its writes
   * are undone and its after-commit callbacks dropped, the error is rethrown and the
   * transaction carries on (an import lists every failing item this way).
   */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const tx = this.current.getStore();
    if (!tx) throw new Error('UnitOfWork.savepoint needs a transaction (call it inside run)');
    const name = `uow_${++tx.savepoints}`;
    const queued = tx.afterCommit.length;
    await tx.manager.query(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      await tx.manager.query(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (err) {
      await tx.manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await tx.manager.query(`RELEASE SAVEPOINT ${name}`);
      tx.afterCommit.length = queued;
      throw err;
    } finally {
      tx.savepoints--;
    }
  }

  /** `callback` runs after the current transaction commits (never after a rollback); outside one, at once. */
  async afterCommit(callback: AfterCommit): Promise<void> {
    const work = this.current.getStore();
    if (work) work.afterCommit.push(callback);
    else await this.safely(callback);
  }

  private async safely(callback: AfterCommit): Promise<void> {
    try {
      await callback();
    } catch (err) {
      this.log.error({ err }, 'An after-commit callback failed');
    }
  }
}
